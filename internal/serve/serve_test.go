package serve

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// get sends a request with the given headers and returns the response and body.
func get(t *testing.T, method, url string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	// A transport that does not add or undo Accept-Encoding by itself.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func readOut(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fx.out, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A JSON asset with both variants (br, gzip), a table without any, the archive.
func fixtureFiles(t *testing.T) (jsonAsset, parquet, pmtiles, tile string) { return fixtureFilesB(t) }

func fixtureFilesB(t testing.TB) (jsonAsset, parquet, pmtiles, tile string) {
	t.Helper()
	a := fx.m.Assets["cmu/statistics.json"]
	if len(a.Encodings) != 2 {
		t.Fatalf("fixture: cmu/statistics.json has encodings %v, want br and gzip", a.Encodings)
	}
	ts := fx.m.TileSets["maptiles/default/all"]
	tile = strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0").Replace(ts.TileJSON.Tiles[0])
	return a.Path, fx.m.Assets["cmu/cmus.parquet"].Path, fx.m.Assets["maptiles/map.pmtiles"].Path, tile
}

func TestNegotiatedEncodings(t *testing.T) {
	_, ts := newTestServer(t)
	jsonAsset, parquet, _, tile := fixtureFiles(t)
	tests := []struct {
		file, accept string
		want         string // Content-Encoding; "" for the original
		status       int
	}{
		{jsonAsset, "br", "br", 200},
		{jsonAsset, "gzip", "gzip", 200},
		{jsonAsset, "zstd", "", 200}, // prebake writes no .zst: the original
		{jsonAsset, "x-gzip", "gzip", 200},
		{jsonAsset, "gzip, deflate, br, zstd", "br", 200}, // equal weights: smallest first
		{jsonAsset, "gzip;q=1, br;q=0.5, zstd;q=0.8", "gzip", 200},
		{jsonAsset, "br;q=0, gzip", "gzip", 200},
		{jsonAsset, "*", "br", 200},
		{jsonAsset, "*;q=0.5, zstd", "br", 200},
		{jsonAsset, "identity", "", 200},
		{jsonAsset, "identity;q=1, br;q=0.5", "", 200},
		{jsonAsset, "", "", 200},
		{jsonAsset, "deflate", "", 200},
		{jsonAsset, "br;q=0, gzip;q=0, zstd;q=0", "", 200},
		{jsonAsset, "*;q=0", "", 406},
		{jsonAsset, "identity;q=0, compress", "", 406},
		{tile, "gzip, br", "br", 200},        // a tile set's file: variants listed per set
		{tile, "gzip", "", 200},              // a set has br only (writer.SetCodecs): a gzip-only client gets the original
		{parquet, "gzip, br, zstd", "", 200}, // no variants: the original, no Vary
	}
	for _, tc := range tests {
		t.Run(tc.file+" "+tc.accept, func(t *testing.T) {
			res, body := get(t, "GET", ts.URL+"/"+tc.file, "Accept-Encoding", tc.accept)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if got := res.Header.Get("Content-Encoding"); got != tc.want {
				t.Fatalf("Content-Encoding %q, want %q", got, tc.want)
			}
			wantVary := tc.file != parquet
			if got := res.Header.Get("Vary") == "Accept-Encoding"; got != wantVary {
				t.Errorf("Vary %q; want Accept-Encoding: %v", res.Header.Get("Vary"), wantVary)
			}
			stored := tc.file
			if tc.want != "" {
				c, _ := writer.CodecByName(tc.want)
				stored += c.Suffix
			}
			// The bytes on disk, their length, and (decoded) the original.
			if !bytes.Equal(body, readOut(t, stored)) {
				t.Fatalf("body is not %s", stored)
			}
			if res.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length %q, body %d bytes", res.Header.Get("Content-Length"), len(body))
			}
			if tc.want != "" {
				plain, err := writer.Decompress(tc.want, body)
				if err != nil || !bytes.Equal(plain, readOut(t, tc.file)) {
					t.Fatalf("the %s body does not decode to %s (%v)", tc.want, tc.file, err)
				}
			}
			if ct := res.Header.Get("Content-Type"); ct != writer.ContentType(tc.file) {
				t.Errorf("Content-Type %q, want %q", ct, writer.ContentType(tc.file))
			}
		})
	}
}

func TestETagAndNotModified(t *testing.T) {
	_, ts := newTestServer(t)
	jsonAsset, _, pmtiles, _ := fixtureFiles(t)
	etags := map[string]string{}
	for _, enc := range []string{"", "br", "gzip"} {
		res, _ := get(t, "GET", ts.URL+"/"+jsonAsset, "Accept-Encoding", enc)
		e := res.Header.Get("ETag")
		if !strings.HasPrefix(e, `"`) || !strings.HasSuffix(e, `"`) {
			t.Fatalf("ETag %q is not a strong entity tag", e)
		}
		for other, oe := range etags {
			if oe == e {
				t.Errorf("encodings %q and %q share ETag %s", enc, other, e)
			}
		}
		etags[enc] = e
		for _, inm := range []string{e, "W/" + e, `"nope", ` + e, "*"} {
			res, body := get(t, "GET", ts.URL+"/"+jsonAsset, "Accept-Encoding", enc, "If-None-Match", inm)
			if res.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("%q If-None-Match %s: status %d with %d bytes, want 304 and none", enc, inm, res.StatusCode, len(body))
			}
			if res.Header.Get("ETag") != e {
				t.Errorf("304 carries ETag %q, want %q", res.Header.Get("ETag"), e)
			}
		}
		res, _ = get(t, "GET", ts.URL+"/"+jsonAsset, "Accept-Encoding", enc, "If-None-Match", `"something-else"`)
		if res.StatusCode != 200 {
			t.Errorf("a stale If-None-Match gave %d, want 200", res.StatusCode)
		}
	}
	// The same bytes give the same tag across requests and servers.
	_, ts2 := newTestServer(t)
	res1, _ := get(t, "HEAD", ts.URL+"/"+pmtiles)
	res2, _ := get(t, "HEAD", ts2.URL+"/"+pmtiles)
	if res1.Header.Get("ETag") != res2.Header.Get("ETag") {
		t.Errorf("ETag differs between two servers of one tree")
	}
}

func TestRanges(t *testing.T) {
	_, ts := newTestServer(t)
	jsonAsset, _, pmtiles, _ := fixtureFiles(t)
	archive := readOut(t, pmtiles)
	n := len(archive)
	etag := func() string { r, _ := get(t, "HEAD", ts.URL+"/"+pmtiles); return r.Header.Get("ETag") }()
	tests := []struct {
		rng, ifRange string
		status       int
		from, to     int // expected body archive[from:to]
	}{
		{"bytes=0-126", "", 206, 0, 127}, // the PMTiles header
		{"bytes=127-16383", "", 206, 127, 16384},
		{"bytes=-100", "", 206, n - 100, n},
		{fmt.Sprintf("bytes=%d-", n-10), "", 206, n - 10, n},
		{fmt.Sprintf("bytes=%d-%d", n-5, n+1000), "", 206, n - 5, n}, // clipped to the end
		{fmt.Sprintf("bytes=%d-", n), "", 416, 0, 0},
		// a suffix of zero bytes is unsatisfiable (RFC 9110 §14.1.1), not a
		// 206 of "bytes n-(n-1)/n"; beside a satisfiable range it is dropped
		{"bytes=-0", "", 416, 0, 0},
		{"bytes=-0, 0-9", "", 206, 0, 10},
		{"bytes=-0", `"stale"`, 200, 0, n}, // If-Range still decides first
		{"bytes=0-9", etag, 206, 0, 10},
		{"bytes=0-9", `"stale"`, 200, 0, n}, // If-Range mismatch: the whole file
		// an unknown range unit is ignored (RFC 9110 §14.2): the whole file
		{"items=0-5", "", 200, 0, n},
		{"x-rows=0-5", "", 200, 0, n},
		{"Bytes=0-9", "", 206, 0, 10}, // units are case-insensitive
		{"BYTES=-10", "", 206, n - 10, n},
		// a last-pos past the end is clamped, however large (§14.1.2)
		{"bytes=0-9223372036854775807", "", 206, 0, n},
		{"bytes=5-9223372036854775808", "", 206, 5, n},
		{"bytes=5-99999999999999999999999999", "", 206, 5, n},
		{"bytes=-99999999999999999999999999", "", 206, 0, n},
		{"bytes=99999999999999999999999999-", "", 416, 0, 0},
		{"bytes=99999999999999999999999999-, 0-9", "", 206, 0, 10},
		// too many ranges, or overlapping ones: ignored, the whole file
		{"bytes=" + strings.TrimSuffix(strings.Repeat("0-0,", MaxRanges+1), ","), "", 200, 0, n},
		{"bytes=" + manyRanges(20000), "", 200, 0, n},
		{"bytes=0-99,50-149,100-199", "", 200, 0, n},
		{"bytes=0-9,5-15", "", 206, -1, -1}, // two overlapping: served, multipart
		{"bytes=" + strings.TrimSuffix(strings.Repeat("0-0,", 3), ","), "", 200, 0, n},
		// broken syntax stays unsatisfiable
		{"bytes=abc", "", 416, 0, 0},
		{"bytes=9-5", "", 416, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.rng+" "+tc.ifRange, func(t *testing.T) {
			h := []string{"Range", tc.rng}
			if tc.ifRange != "" {
				h = append(h, "If-Range", tc.ifRange)
			}
			res, body := get(t, "GET", ts.URL+"/"+pmtiles, h...)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if tc.status == 416 {
				if cr := res.Header.Get("Content-Range"); cr != fmt.Sprintf("bytes */%d", n) {
					t.Errorf("416 Content-Range %q", cr)
				}
				return
			}
			if tc.from < 0 {
				if !strings.HasPrefix(res.Header.Get("Content-Type"), "multipart/byteranges") {
					t.Errorf("Content-Type %q, want multipart/byteranges", res.Header.Get("Content-Type"))
				}
				return
			}
			if !bytes.Equal(body, archive[tc.from:tc.to]) {
				t.Fatalf("body is %d bytes, not archive[%d:%d]", len(body), tc.from, tc.to)
			}
			if tc.status == 206 {
				if cr, want := res.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", tc.from, tc.to-1, n); cr != want {
					t.Errorf("Content-Range %q, want %q", cr, want)
				}
			}
		})
	}
	// A range of a compressed variant is a range of the stored variant (RFC 9110 §14).
	res, body := get(t, "GET", ts.URL+"/"+jsonAsset, "Accept-Encoding", "gzip", "Range", "bytes=0-1")
	if res.StatusCode != 206 || !bytes.Equal(body, []byte{0x1f, 0x8b}) || res.Header.Get("Content-Length") != "2" {
		t.Errorf("range of the gzip variant: %d %x Content-Length %q, want 206 1f8b 2", res.StatusCode, body, res.Header.Get("Content-Length"))
	}
	// Two ranges: multipart/byteranges.
	res, _ = get(t, "GET", ts.URL+"/"+pmtiles, "Range", "bytes=0-9,20-29")
	if res.StatusCode != 206 || !strings.HasPrefix(res.Header.Get("Content-Type"), "multipart/byteranges") {
		t.Errorf("two ranges: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// manyRanges is n one-byte ranges in ascending order, the shape of the
// response-amplifying request RFC 9110 §14.2 warns of.
func manyRanges(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d-%d", i, i)
	}
	return b.String()
}

func TestCachingCORSAndMethods(t *testing.T) {
	_, ts := newTestServer(t)
	jsonAsset, parquet, pmtiles, tile := fixtureFiles(t)
	shardIndex := fx.m.ShardSets["postcodes"].Index
	for _, tc := range []struct{ path, cache string }{
		{"/" + jsonAsset, CacheImmutable},
		{"/" + parquet, CacheImmutable},
		{"/" + pmtiles, CacheImmutable},
		{"/" + tile, CacheImmutable},
		{"/" + shardIndex, CacheImmutable},
		{"/manifest.json", CacheShort},
	} {
		res, body := get(t, "GET", ts.URL+tc.path, "Origin", "https://app.example.org")
		if res.StatusCode != 200 {
			t.Fatalf("%s: status %d", tc.path, res.StatusCode)
		}
		if cc := res.Header.Get("Cache-Control"); cc != tc.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tc.path, cc, tc.cache)
		}
		if a := res.Header.Get("Access-Control-Allow-Origin"); a != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", tc.path, a)
		}
		if !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "Content-Range") {
			t.Errorf("%s: Content-Range not exposed to scripts (the PMTiles client reads it)", tc.path)
		}
		// HEAD: the same headers, no body.
		head, hbody := get(t, "HEAD", ts.URL+tc.path)
		if head.StatusCode != 200 || len(hbody) != 0 || head.Header.Get("Content-Length") != strconv.Itoa(len(body)) ||
			head.Header.Get("ETag") != res.Header.Get("ETag") {
			t.Errorf("%s: HEAD %d, %d bytes, Content-Length %q ETag %q; GET had %d bytes ETag %q", tc.path,
				head.StatusCode, len(hbody), head.Header.Get("Content-Length"), head.Header.Get("ETag"), len(body), res.Header.Get("ETag"))
		}
	}
	manifestBytes, _ := os.ReadFile(fx.manifest)
	if _, body := get(t, "GET", ts.URL+"/manifest.json"); !bytes.Equal(body, manifestBytes) {
		t.Error("/manifest.json is not the live manifest")
	}
	// Preflight.
	res, _ := get(t, "OPTIONS", ts.URL+"/"+pmtiles, "Origin", "https://app.example.org",
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "range")
	if res.StatusCode != 204 || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Range") ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d, allow headers %q methods %q", res.StatusCode,
			res.Header.Get("Access-Control-Allow-Headers"), res.Header.Get("Access-Control-Allow-Methods"))
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		res, _ := get(t, m, ts.URL+"/"+jsonAsset)
		if res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
			t.Errorf("%s: %d Allow %q, want 405 GET, HEAD, OPTIONS", m, res.StatusCode, res.Header.Get("Allow"))
		}
	}
}

// rawGet sends a request line as written, bypassing any client-side cleaning,
// and returns the status and body.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestNoPathOutsideTheOutputDirectory(t *testing.T) {
	fixture(t)
	// An output directory with a symlink out of it and a secret beside it.
	dir := t.TempDir()
	out := filepath.Join(dir, "output")
	secret := "SECRET-" + strconv.Itoa(os.Getpid())
	for p, data := range map[string]string{
		"secret.txt":               secret,
		"output/ok.json":           `{}`,
		"output/.prebake/x.json":   secret,
		"output/sub/inner.json":    `{}`,
		"output/.hidden/file.json": secret,
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(data), 0o644)
	}
	if err := os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(out, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(out, "up")); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{OutDir: out, ManifestPath: fx.manifest})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: s}
	go hs.Serve(ln)
	defer hs.Close()
	addr := ln.Addr().String()

	if code, _ := rawGet(t, addr, "/ok.json"); code != 200 {
		t.Fatalf("/ok.json: %d, want 200", code)
	}
	for _, target := range []string{
		"/../secret.txt",
		"/sub/../../secret.txt",
		"/%2e%2e/secret.txt",
		"/%2E%2E/%2e%2e/secret.txt",
		"/sub/..%2f..%2fsecret.txt",
		"/..%5csecret.txt",
		"/sub%5c..%5c..%5csecret.txt",
		"/./ok.json/../../secret.txt",
		"/link.json",     // symlink to a file outside
		"/up/secret.txt", // symlink to a directory outside
		"/.prebake/x.json",
		"/.hidden/file.json",
		"/%2ehidden/file.json",
		"//secret.txt",
		"/sub/",
		"/sub",
		"/secret.txt%00.json",
		"http://x/../secret.txt",
	} {
		code, body := rawGet(t, addr, target)
		if code == 200 || strings.Contains(body, secret) {
			t.Errorf("%s: status %d, body %.60q: want it refused", target, code, body)
		}
	}
}

func TestManifestReloaded(t *testing.T) {
	fixture(t)
	dir := t.TempDir()
	mp := filepath.Join(dir, "manifest.json")
	data, _ := os.ReadFile(fx.manifest)
	os.WriteFile(mp, data, 0o644)
	s, err := New(Options{OutDir: fx.out, ManifestPath: mp})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	jsonAsset, _, _, _ := fixtureFiles(t)
	req := func() string {
		w := httptest.NewRecorder()
		r, _ := http.NewRequest("GET", "/"+jsonAsset, nil)
		r.Header.Set("Accept-Encoding", "br")
		s.ServeHTTP(w, r)
		return w.Header().Get("Content-Encoding")
	}
	if got := req(); got != "br" {
		t.Fatalf("Content-Encoding %q, want br", got)
	}
	// A new bake drops the br variant: the server follows the manifest.
	m := *fx.m
	m.Assets = map[string]manifest.Asset{}
	for n, a := range fx.m.Assets {
		if a.Path == jsonAsset {
			a.Encodings = nil
		}
		m.Assets[n] = a
	}
	b, err := writer.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(mp, append(b, ' '), 0o644) // a different size: seen whatever the mtime granularity
	if got := req(); got != "" {
		t.Fatalf("after the manifest changed: Content-Encoding %q, want none", got)
	}
}

// TestMissingBake: serving before any bake names what is missing and how to
// make it, not just "open output: no such file or directory".
func TestMissingBake(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		opts Options
		want []string
	}{
		{Options{OutDir: filepath.Join(dir, "output"), ManifestPath: filepath.Join(dir, "manifest.json")},
			[]string{"output directory " + filepath.Join(dir, "output"), "no such file", "prebake build"}},
		{Options{OutDir: file, ManifestPath: filepath.Join(dir, "manifest.json")},
			[]string{"output directory " + file, "not a directory"}},
		{Options{OutDir: dir, ManifestPath: filepath.Join(dir, "manifest.json")},
			[]string{"manifest " + filepath.Join(dir, "manifest.json"), "no such file", "prebake build"}},
	} {
		s, err := New(c.opts)
		if err == nil {
			s.Close()
			t.Errorf("New(%+v): no error", c.opts)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("New(%+v): %q lacks %q", c.opts, err, w)
			}
		}
	}
}
