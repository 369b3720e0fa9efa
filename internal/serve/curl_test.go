package serve

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// TestCurl checks the same semantics with curl, a client independent of Go's:
// its own content decoding, ranges, HEAD, conditional requests, and a path
// sent as written (--path-as-is).
func TestCurl(t *testing.T) {
	curl := shareddata.Tool(t, "curl")
	_, ts := newTestServer(t)
	jsonAsset, _, pmtiles, _ := fixtureFiles(t)
	dir := t.TempDir()
	run := func(args ...string) (headers string, body []byte) {
		t.Helper()
		hf, bf := filepath.Join(dir, "h"), filepath.Join(dir, "b")
		os.Remove(bf)
		cmd := exec.Command(curl, append([]string{"-sS", "-D", hf, "-o", bf}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
		h, _ := os.ReadFile(hf)
		body, _ = os.ReadFile(bf)
		return strings.ToLower(string(h)), body
	}
	status := func(h string) string { return strings.Fields(h)[1] }
	original := readOut(t, jsonAsset)

	// curl asks for every encoding it can decode, and decodes it.
	for _, enc := range []string{"br", "gzip"} {
		h, body := run("--compressed", "-H", "Accept-Encoding: "+enc, ts.URL+"/"+jsonAsset)
		if status(h) != "200" || !strings.Contains(h, "content-encoding: "+enc) || !strings.Contains(h, "vary: accept-encoding") {
			t.Errorf("%s: headers\n%s", enc, h)
		}
		if !bytes.Equal(body, original) {
			t.Errorf("%s: curl decoded %d bytes, not the original %d", enc, len(body), len(original))
		}
	}
	h, body := run("--compressed", ts.URL+"/"+jsonAsset)
	if !regexp.MustCompile(`content-encoding: (br|zstd|gzip)`).MatchString(h) || !bytes.Equal(body, original) {
		t.Errorf("curl's own Accept-Encoding: headers\n%s\n%d bytes", h, len(body))
	}

	archive := readOut(t, pmtiles)
	h, body = run("-r", "0-126", ts.URL+"/"+pmtiles)
	if status(h) != "206" || !bytes.Equal(body, archive[:127]) {
		t.Errorf("range 0-126: %s, %d bytes", status(h), len(body))
	}

	// RFC 9110 §14: an unknown unit is ignored, a last-pos past 2^63 clamped,
	// a flood of ranges ignored.
	for _, tc := range []struct {
		rng, status string
		want        []byte
	}{
		{"items=0-5", "200", archive},
		{"bytes=10-99999999999999999999", "206", archive[10:]},
		{"bytes=" + manyRanges(MaxRanges+1), "200", archive},
	} {
		h, body = run("-H", "Range: "+tc.rng, ts.URL+"/"+pmtiles)
		if status(h) != tc.status || !bytes.Equal(body, tc.want) {
			t.Errorf("Range: %.40s: %s with %d bytes, want %s with %d", tc.rng, status(h), len(body), tc.status, len(tc.want))
		}
	}

	h, _ = run("-I", ts.URL+"/"+pmtiles) // (curl -I writes the headers as the body too)
	etag := regexp.MustCompile(`(?m)^etag: (.*?)\r?$`).FindStringSubmatch(h)
	if status(h) != "200" || etag == nil || !strings.Contains(h, "cache-control: public, max-age=31536000, immutable") {
		t.Fatalf("HEAD: headers\n%s", h)
	}
	h, body = run("-H", "If-None-Match: "+etag[1], ts.URL+"/"+pmtiles)
	if status(h) != "304" || len(body) != 0 {
		t.Errorf("If-None-Match: %s with %d bytes", status(h), len(body))
	}

	for _, p := range []string{"/../../../../etc/passwd", "/maptiles/../../manifest.json", "/%2e%2e/%2e%2e/etc/passwd", "/.prebake/manifests/"} {
		h, body = run("--path-as-is", ts.URL+p)
		if s := status(h); s != "400" && s != "404" || bytes.Contains(body, []byte("root:")) {
			t.Errorf("%s: %s", p, s)
		}
	}
}
