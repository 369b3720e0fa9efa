package writer_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prebake/prebake/internal/testkit/browser"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/internal/writer"
)

// acceptRecorder answers every request with a small JSON body and remembers the
// Accept-Encoding each client (the first path segment) sent.
type acceptRecorder struct {
	mu   sync.Mutex
	seen map[string]string
}

func (a *acceptRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	client, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	a.mu.Lock()
	if _, ok := a.seen[client]; !ok || strings.HasSuffix(r.URL.Path, "/fetch") {
		a.seen[client] = r.Header.Get("Accept-Encoding")
	}
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"ok": true}`))
}

// clientsScript fetches URLs the ways the app's Python side does: urllib as
// is, prebake's own fetch, and requests as the app pins it (no Brotli package
// in the app's requirements, so it is hidden) and with Brotli installed.
const clientsScript = `
import sys, urllib.request
base = sys.argv[1]
urllib.request.urlopen(base + "/python-urllib").read()
from prebake.manifest import fetch
fetch(base + "/python-prebake-fetch")
sys.modules["brotli"] = None; sys.modules["brotlicffi"] = None
import requests
requests.get(base + "/python-requests-app").content
for m in ("brotli", "brotlicffi", "urllib3", "requests"):
    for k in [k for k in sys.modules if k == m or k.startswith(m + ".")]:
        del sys.modules[k]
import brotli, requests
requests.get(base + "/python-requests-brotli").content
`

// whitenoiseScript asks WhiteNoise 6.7.0 for x.json (which has .br and .gz
// beside it, as an asset does) and t.geojson (.br only, as a tile does) with
// each Accept-Encoding given on stdin (a JSON object client -> header) and
// prints client -> [encoding served for x, for t] ("" for the original).
const whitenoiseScript = `
import json, sys
from whitenoise import WhiteNoise
app = WhiteNoise(None)
app.add_files(sys.argv[1], prefix="/")
out = {}
for client, accept in json.load(sys.stdin).items():
    got = []
    for name in ("x.json", "t.geojson"):
        env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/" + name, "HTTP_ACCEPT_ENCODING": accept,
               "SERVER_NAME": "x", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
        headers = {}
        def start(status, hs, exc_info=None):
            headers.update({k.lower(): v for k, v in hs})
        body = app(env, start)
        getattr(body, "close", lambda: None)()
        got.append(headers.get("content-encoding", ""))
    out[client] = got
print(json.dumps(out))
`

// TestClientsNegotiate measures the Accept-Encoding every client of a bake
// sends: Chromium (the browsers' engine, over HTTPS as the app and its CDN are
// served, and over plain HTTP), curl with and without --compressed, Python's
// urllib, prebake's Python fetch and requests as the app pins it; then what
// WhiteNoise 6.7.0 serves each of them from a bake laid out by the variant
// policy (writer.Codecs for assets, writer.SetCodecs for sets). It asserts the
// policy's premises, so a client that changes what it sends fails here:
// browsers take br (worth writing everywhere), some server-side client takes
// gzip but not br (worth .gz on assets), no client takes zstd without br
// (never worth writing), and every variant the policy writes is served to
// some client. The measured table is logged (go test -v).
func TestClientsNegotiate(t *testing.T) {
	rec := &acceptRecorder{seen: map[string]string{}}
	plain := httptest.NewServer(rec)
	defer plain.Close()
	tls := httptest.NewTLSServer(rec)
	defer tls.Close()

	var loaded struct{ Loaded int }
	browser.RunJSON(t, &loaded, filepath.Join("testdata", "accept-encoding.mjs"), tls.URL+"/chromium-https", plain.URL+"/chromium-http")
	curl := shareddata.Tool(t, "curl")
	for _, c := range []struct{ name, flag string }{{"curl", ""}, {"curl-compressed", "--compressed"}} {
		args := []string{"-sS", "-o", "/dev/null", plain.URL + "/" + c.name}
		if c.flag != "" {
			args = append([]string{c.flag}, args...)
		}
		if out, err := exec.Command(curl, args...).CombinedOutput(); err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
	}
	py := shareddata.Python(t)
	cmd := exec.Command(py, "-c", clientsScript, plain.URL)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join(shareddata.Root(), "python", "src"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python clients: %v\n%s", err, out)
	}

	// What WhiteNoise serves each measured header, from an asset with the
	// policy's variants and a set file with the set policy's.
	dir := t.TempDir()
	asset, tile := []byte(strings.Repeat(`{"component": "battery storage"}`, 200)), []byte(strings.Repeat(`{"type": "Feature"}`, 200))
	write := func(name string, data []byte, codecs []writer.Codec) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, c := range codecs {
			z, err := writer.Compress(c.Name, data)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+c.Suffix), z, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("x.json", asset, writer.Codecs)
	write("t.geojson", tile, writer.SetCodecs)
	headers, _ := json.Marshal(rec.seen)
	cmd = exec.Command(py, "-c", whitenoiseScript, dir)
	cmd.Stdin = strings.NewReader(string(headers))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("whitenoise: %v", err)
	}
	var served map[string][2]string
	if err := json.Unmarshal(out, &served); err != nil {
		t.Fatalf("whitenoise printed %q: %v", out, err)
	}

	clients := []string{"chromium-https", "chromium-http", "curl", "curl-compressed", "python-urllib",
		"python-prebake-fetch", "python-requests-app", "python-requests-brotli"}
	offers := func(client, coding string) bool {
		for _, part := range strings.Split(rec.seen[client], ",") {
			if strings.TrimSpace(strings.SplitN(part, ";", 2)[0]) == coding {
				return true
			}
		}
		return false
	}
	t.Logf("%-24s %-28s %-12s %s", "client", "Accept-Encoding", "asset gets", "tile gets")
	used := map[string]bool{}
	for _, c := range clients {
		h, ok := rec.seen[c]
		if !ok {
			t.Fatalf("client %s sent no request", c)
		}
		s := served[c]
		t.Logf("%-24s %-28q %-12q %q", c, h, s[0], s[1])
		used["asset:"+s[0]], used["set:"+s[1]] = true, true
		if offers(c, "zstd") && !offers(c, "br") {
			t.Errorf("%s offers zstd without br (%q): zstd variants would reach it", c, h)
		}
	}
	if !offers("chromium-https", "br") {
		t.Errorf("Chromium over HTTPS sent %q, without br: the .br variants reach no browser", rec.seen["chromium-https"])
	}
	if !offers("python-prebake-fetch", "gzip") || offers("python-prebake-fetch", "br") || !offers("python-requests-app", "gzip") || offers("python-requests-app", "br") {
		t.Errorf("the app's server-side clients sent %q and %q: assets' .gz is kept for a client taking gzip but not br", rec.seen["python-prebake-fetch"], rec.seen["python-requests-app"])
	}
	for _, c := range writer.Codecs {
		if !used["asset:"+c.Name] {
			t.Errorf("assets get %s variants, but WhiteNoise serves them to none of the measured clients", c.Name)
		}
	}
	for _, c := range writer.SetCodecs {
		if !used["set:"+c.Name] {
			t.Errorf("sets get %s variants, but WhiteNoise serves them to none of the measured clients", c.Name)
		}
	}
	if slices.ContainsFunc(writer.Codecs, func(c writer.Codec) bool { return c.Name == "zstd" }) {
		t.Error("zstd is written, but no measured client is sent it by WhiteNoise")
	}
}
