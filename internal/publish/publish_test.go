package publish_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prebake/prebake/internal/bake"
	"github.com/prebake/prebake/internal/publish"
	"github.com/prebake/prebake/internal/sample"
	"github.com/prebake/prebake/internal/testkit/s3test"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// fixture is one small bake of the synthetic sample.
type fixture struct {
	out, manifest string
	m             *manifest.Manifest
	raw           []byte
	files         map[string]int64 // every file of the bake (outside .prebake/), by path, with its size
}

var (
	fixtures    = map[string]*fixture{}
	fixturesMu  sync.Mutex
	fixturesDir string
	shared      *s3test.Server
	sharedOnce  sync.Once
)

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "prebake-publish-test-")
	if err != nil {
		panic(err)
	}
	fixturesDir = d
	code := m.Run()
	if shared != nil && code != 0 {
		fmt.Fprintf(os.Stderr, "shared weed server's log, its end:\n%s\n", shared.LogTail(4000))
	}
	for i := len(sharedCleanups) - 1; i >= 0; i-- {
		sharedCleanups[i]() // kills the shared server, also one that failed to start
	}
	os.RemoveAll(d)
	os.Exit(code)
}

// bakeOf bakes a 150-component sample of the given seed once per test binary.
// Different seeds give bakes that share some files and differ in most.
func bakeOf(t testing.TB, seed int64) *fixture { return bakeSized(t, seed, 150) }

// bakeSized bakes a sample of n components (0: the production-sized default).
func bakeSized(t testing.TB, seed int64, n int) *fixture {
	return bakeAt(t, seed, n, 1767225600+seed*86400) // a later seed is a later bake
}

// bakeAt bakes a sample of n components with SOURCE_DATE_EPOCH epoch.
func bakeAt(t testing.TB, seed int64, n int, epoch int64) *fixture {
	t.Helper()
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	id := fmt.Sprint(seed, "-", n, "-", epoch)
	if f, ok := fixtures[id]; ok {
		return f
	}
	dir := filepath.Join(fixturesDir, "seed"+id)
	if _, err := sample.Write(filepath.Join(dir, "sample"), sample.Options{Seed: seed, Components: n}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{out: filepath.Join(dir, "output"), manifest: filepath.Join(dir, "manifest.json")}
	t.Setenv("SOURCE_DATE_EPOCH", fmt.Sprint(epoch))
	_, err := bake.Run(bake.Config{
		Sources:      []string{filepath.Join(dir, "sample", "synthetic_*.json")},
		Postcodes:    []string{filepath.Join(dir, "sample", "synthetic_postcodes.csv")},
		OutDir:       f.out,
		ManifestPath: f.manifest,
		ReportPath:   filepath.Join(dir, "report.jsonl"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.raw, err = os.ReadFile(f.manifest); err != nil {
		t.Fatal(err)
	}
	if f.m, err = manifest.Parse(f.raw); err != nil {
		t.Fatal(err)
	}
	// What the bucket must hold, found by walking the output directory (not by
	// the code under test): a fresh bake's directory holds exactly what its
	// manifest names (prebake verify checks that), plus prebake's own state.
	f.files = map[string]int64{}
	err = filepath.WalkDir(f.out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(f.out, p)
		if d.IsDir() && rel == writer.StateDir {
			return fs.SkipDir
		}
		if !d.IsDir() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			f.files[filepath.ToSlash(rel)] = fi.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fixtures[id] = f
	return f
}

// want is what a bucket prefix holds once f is published as the seq-th
// publish there: its files, the manifest and its history copy.
func (f *fixture) want(prefix string, seq int64) map[string]int64 {
	w := map[string]int64{prefix + "manifest.json": int64(len(f.raw)), prefix + publish.HistoryPrefix + writer.HistoryName(seq, f.m): int64(len(f.raw))}
	for rel, n := range f.files {
		w[prefix+rel] = n
	}
	return w
}

func sharedServer(t *testing.T) *s3test.Server {
	t.Helper()
	s3test.Weed(t)
	s3test.AWSPath(t)
	sharedOnce.Do(func() { shared = s3test.Start(&keepAlive{t}) })
	if shared == nil {
		t.Fatal("the shared weed server did not start")
	}
	return shared
}

// keepAlive lets the shared server outlive the test that started it: its
// cleanups run in TestMain, when every test is done.
type keepAlive struct{ *testing.T }

var sharedCleanups []func()

func (k *keepAlive) Cleanup(f func()) { sharedCleanups = append(sharedCleanups, f) }

// Failed is false: the test that started the server is over when its cleanups
// run, and TestMain prints the server's log itself.
func (k *keepAlive) Failed() bool { return false }
func (k *keepAlive) TempDir() string {
	d, err := os.MkdirTemp(fixturesDir, "weed-")
	if err != nil {
		k.Fatal(err)
	}
	return d
}

func client(t testing.TB, endpoint string, retries int) *s3.Client {
	t.Helper()
	for _, kv := range s3test.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	c, err := publish.NewClient(context.Background(), publish.ClientOptions{Endpoint: endpoint, Retries: retries, MaxBackoff: 100 * time.Millisecond, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func opts(f *fixture, bucket, prefix string) publish.Options {
	return publish.Options{OutDir: f.out, ManifestPath: f.manifest, To: publish.Target{Bucket: bucket, Prefix: prefix}, Jobs: 8}
}

func mustPublish(t testing.TB, c *s3.Client, o publish.Options) *publish.Result {
	t.Helper()
	res, err := publish.Publish(context.Background(), c, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func assertObjects(t *testing.T, got, want map[string]int64) {
	t.Helper()
	if maps.Equal(got, want) {
		return
	}
	var missing, extra, wrong []string
	for k, n := range want {
		if g, ok := got[k]; !ok {
			missing = append(missing, k)
		} else if g != n {
			wrong = append(wrong, fmt.Sprintf("%s: %d bytes, want %d", k, g, n))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	t.Fatalf("bucket differs: %d missing %.5q, %d unexpected %.5q, %d wrong size %.5q", len(missing), missing, len(extra), extra, len(wrong), wrong)
}

// TestPublish publishes a bake, checks every object and its headers with the aws
// CLI, publishes it again (nothing uploaded), dry-runs and publishes a second
// bake, and prunes the first away.
func TestPublish(t *testing.T) {
	srv := sharedServer(t)
	a, b := bakeOf(t, 1), bakeOf(t, 2)
	c := client(t, srv.Endpoint, 2)
	const bucket, prefix = "publish", "site/prebake/"
	srv.CreateBucket(t, bucket)

	res := mustPublish(t, c, opts(a, bucket, prefix))
	if res.Uploaded != len(a.files) || res.Objects != len(a.files) || res.Present != 0 || res.Manifest != "uploaded" {
		t.Fatalf("first publish: %+v, want all %d files uploaded and the manifest", res, len(a.files))
	}
	assertObjects(t, srv.Objects(t, bucket, prefix), a.want(prefix, 1))

	// Headers, as the aws CLI sees them.
	// An asset with both variants (cmu/cmus.json, server-only, has a .gz only).
	ca := a.m.Assets["locations/company_list.json"]
	if ca.Encodings["br"].Path == "" || ca.Encodings["gzip"].Path == "" {
		t.Fatalf("locations/company_list.json has no br or gzip variant: %+v", ca.Encodings)
	}
	dsr := a.m.TileSets["maptiles/default/DSR"]
	if !slices.Contains(dsr.Encodings, "br") {
		t.Fatalf("the DSR tile set has no br variants: %v", dsr.Encodings)
	}
	tile := dsr.Path + "/0/0/0.json"
	if _, ok := a.files[tile]; !ok {
		t.Fatalf("no tile %s in the bake", tile)
	}
	immutable := "public, max-age=31536000, immutable"
	// awscli starts in a second or more on a loaded machine: it checks one of
	// each kind, and a plain anonymous HEAD (what a browser sees) the others.
	for _, tc := range []struct {
		rel                       string
		contentType, encoding, cc string
		cli                       bool
	}{
		{ca.Path, "application/json", "", immutable, true},
		{ca.Encodings["br"].Path, "application/json", "br", immutable, true},
		{ca.Encodings["gzip"].Path, "application/json", "gzip", immutable, false},
		{a.m.Assets["cmu/cmus.parquet"].Path, "application/vnd.apache.parquet", "", immutable, false},
		{a.m.Assets["maptiles/map.pmtiles"].Path, "application/vnd.pmtiles", "", immutable, false},
		{tile, "application/json", "", immutable, false},
		{tile + ".br", "application/json", "br", immutable, true},
		{dsr.Index, "text/plain; charset=utf-8", "", immutable, false},
		{"manifest.json", "application/json", "", "public, max-age=60", true},
	} {
		var h s3test.Head
		if tc.cli {
			h = srv.HeadObject(t, bucket, prefix+tc.rel)
		} else {
			resp, _ := srv.HTTP(t, http.MethodHead, bucket, prefix+tc.rel, nil)
			h = s3test.Head{ContentType: resp.Header.Get("Content-Type"), ContentEncoding: resp.Header.Get("Content-Encoding"), CacheControl: resp.Header.Get("Cache-Control")}
		}
		if h.ContentType != tc.contentType || h.ContentEncoding != tc.encoding || h.CacheControl != tc.cc {
			t.Errorf("%s: Content-Type %q, Content-Encoding %q, Cache-Control %q; want %q, %q, %q",
				tc.rel, h.ContentType, h.ContentEncoding, h.CacheControl, tc.contentType, tc.encoding, tc.cc)
		}
	}
	// Bytes, as the aws CLI downloads them; a gzip variant decodes to its original.
	orig := readFile(t, a.out, ca.Path)
	if got := srv.Get(t, bucket, prefix+ca.Path); !bytes.Equal(got, orig) {
		t.Errorf("%s: downloaded %d bytes differ from the bake's %d", ca.Path, len(got), len(orig))
	}
	gz := srv.Get(t, bucket, prefix+ca.Encodings["gzip"].Path)
	if !bytes.Equal(gz, readFile(t, a.out, ca.Encodings["gzip"].Path)) {
		t.Errorf("%s: downloaded bytes differ from the bake's", ca.Encodings["gzip"].Path)
	}
	if dec := gunzip(t, gz); !bytes.Equal(dec, orig) {
		t.Errorf("%s does not decode to %s", ca.Encodings["gzip"].Path, ca.Path)
	}
	if got := srv.Get(t, bucket, prefix+"manifest.json"); !bytes.Equal(got, a.raw) {
		t.Errorf("manifest.json in the bucket differs from the bake's")
	}
	// A client sending no Accept-Encoding gets the original, unencoded, from the
	// plain key; one that asks for a variant by name gets it with its encoding.
	resp, body := srv.HTTPGet(t, bucket, prefix+ca.Path, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, orig) {
		t.Errorf("GET %s without Accept-Encoding: %s, Content-Encoding %q, %d bytes; want 200, none, the original's %d",
			ca.Path, resp.Status, resp.Header.Get("Content-Encoding"), len(body), len(orig))
	}
	resp, body = srv.HTTPGet(t, bucket, prefix+ca.Encodings["br"].Path, map[string]string{"Accept-Encoding": "br"})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "br" || int64(len(body)) != ca.Encodings["br"].Size {
		t.Errorf("GET %s: %s, Content-Encoding %q, %d bytes; want 200, br, %d", ca.Encodings["br"].Path, resp.Status,
			resp.Header.Get("Content-Encoding"), len(body), ca.Encodings["br"].Size)
	}

	// Again: nothing uploaded, manifest.json not rewritten.
	before := srv.HeadObject(t, bucket, prefix+"manifest.json")
	time.Sleep(1100 * time.Millisecond) // a rewrite would show in Last-Modified's seconds
	res = mustPublish(t, c, opts(a, bucket, prefix))
	if res.Uploaded != 0 || res.Present != len(a.files) || res.Manifest != "unchanged" {
		t.Fatalf("second publish: %+v, want nothing uploaded", res)
	}
	if after := srv.HeadObject(t, bucket, prefix+"manifest.json"); after != before {
		t.Errorf("manifest.json was rewritten: %+v, then %+v", before, after)
	}

	// A dry run of the second bake lists what it would upload and writes nothing.
	o := opts(b, bucket, prefix)
	o.DryRun, o.List = true, true
	res = mustPublish(t, c, o)
	shared := 0
	for rel := range b.files {
		if a.files[rel] == b.files[rel] && a.files[rel] > 0 {
			shared++
		}
	}
	if res.Uploaded != len(b.files)-shared || len(res.UploadedKeys) != res.Uploaded || res.Manifest != "would upload" {
		t.Fatalf("dry run of the second bake: uploaded %d (%d keys), manifest %q; want %d (it shares %d of %d files with the first)",
			res.Uploaded, len(res.UploadedKeys), res.Manifest, len(b.files)-shared, shared, len(b.files))
	}
	for _, k := range res.UploadedKeys {
		rel := strings.TrimPrefix(k, prefix)
		if _, ok := b.files[rel]; !ok || a.files[rel] == b.files[rel] {
			t.Fatalf("dry run would upload %s, which the second bake does not name or the bucket has", k)
		}
	}
	assertObjects(t, srv.Objects(t, bucket, prefix), a.want(prefix, 1))
	if shared == 0 {
		t.Fatal("the two bakes share no file: the skip of present objects is not exercised")
	}

	// The second bake: only what the bucket lacks is uploaded.
	res = mustPublish(t, c, opts(b, bucket, prefix))
	if res.Uploaded != len(b.files)-shared || res.Present != shared || res.Manifest != "uploaded" {
		t.Fatalf("second bake: %+v, want %d uploaded, %d present", res, len(b.files)-shared, shared)
	}
	both := a.want(prefix, 1)
	maps.Copy(both, b.want(prefix, 2))
	both[prefix+"manifest.json"] = int64(len(b.raw))
	srv.AWS(t, "s3", "cp", "--quiet", "-", "s3://"+bucket+"/"+prefix+"robots.txt") // not prebake's: never pruned
	both[prefix+"robots.txt"] = 0
	assertObjects(t, srv.Objects(t, bucket, prefix), both)
	if got := srv.Get(t, bucket, prefix+"manifest.json"); !bytes.Equal(got, b.raw) {
		t.Fatal("manifest.json is not the second bake's")
	}

	// Prune: --keep 2 keeps both bakes; --keep 1 with the default minimum age
	// spares the first bake's objects (too new); with no minimum age it deletes
	// them, never one the current manifest names.
	aOnly := 0
	for rel := range a.files {
		if _, ok := b.files[rel]; !ok {
			aOnly++
		}
	}
	for _, tc := range []struct {
		keep            int
		minAge          time.Duration
		removed, tooNew int
		history         int
	}{
		{2, 0, 0, 0, 0},
		{1, time.Hour, 0, aOnly, 0}, // the old history entry stays while its objects wait
		{1, 0, aOnly, 0, 1},         // now the objects, then the entry
	} {
		o := opts(b, bucket, prefix)
		o.Prune, o.Keep, o.PruneMinAge = true, tc.keep, tc.minAge
		res = mustPublish(t, c, o)
		p := res.Prune
		if res.Uploaded != 0 || p == nil || p.Removed != tc.removed || p.TooNew != tc.tooNew || len(p.RemovedManifests) != tc.history ||
			!slices.Equal(p.LeftAlone, []string{"robots.txt"}) {
			t.Fatalf("prune --keep %d --prune-min-age %s: %+v, want %d removed, %d too new, %d old manifests, robots.txt left alone",
				tc.keep, tc.minAge, p, tc.removed, tc.tooNew, tc.history)
		}
		if tc.removed == 0 {
			continue
		}
		want := b.want(prefix, 2)
		want[prefix+"robots.txt"] = 0
		assertObjects(t, srv.Objects(t, bucket, prefix), want)
	}
}

func readFile(t *testing.T, dir, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// faultProxy sits between the publisher and the server and fails requests on
// purpose. decide sees each request (method, key, how many times this method and
// key came before) and says what to do.
type faultProxy struct {
	*httptest.Server
	mu       sync.Mutex
	attempts map[string]int
	failed   int
}

type fault int

const (
	pass      fault = iota
	refuse          // answer 503 SlowDown without forwarding
	loseReply       // forward, then answer 500 as if the reply was lost
)

func newFaultProxy(t *testing.T, target string, decide func(method, key string, attempt int) fault) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u) // keeps the Host header the client signed
	p := &faultProxy{attempts: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Method + " " + r.URL.Path
		p.mu.Lock()
		n := p.attempts[id]
		p.attempts[id]++
		p.mu.Unlock()
		switch decide(r.Method, r.URL.Path, n) {
		case refuse:
			io.Copy(io.Discard, r.Body)
			p.count()
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected by the test</Message></Error>`)
		case loseReply:
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r)
			p.count()
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>reply lost, injected by the test</Message></Error>`)
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *faultProxy) count() {
	p.mu.Lock()
	p.failed++
	p.mu.Unlock()
}

func (p *faultProxy) attemptsOf(method, key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.attempts[method+" "+key]
}

// TestPublishFlakyOrigin: an origin that refuses a third of first attempts and
// loses the reply of a fifth of first uploads still gets the whole bake, through
// bounded retries; one that keeps failing one object gets no manifest.
func TestPublishFlakyOrigin(t *testing.T) {
	srv := sharedServer(t)
	a, b := bakeOf(t, 1), bakeOf(t, 2)
	const bucket, prefix = "flaky", "p/"
	srv.CreateBucket(t, bucket)
	ordinals := map[string]int{} // key -> the order it was first seen in, so the choice is fixed per key
	var mu sync.Mutex
	ordinal := func(key string) int {
		mu.Lock()
		defer mu.Unlock()
		n, ok := ordinals[key]
		if !ok {
			n = len(ordinals)
			ordinals[key] = n
		}
		return n
	}
	proxy := newFaultProxy(t, srv.Endpoint, func(method, key string, attempt int) fault {
		n := ordinal(key)
		switch {
		case attempt == 0 && n%3 == 0:
			return refuse
		case attempt == 0 && method == http.MethodPut && n%5 == 1:
			return loseReply
		case attempt == 1 && n%7 == 0:
			return refuse
		}
		return pass
	})
	c := client(t, proxy.URL, 3)
	res := mustPublish(t, c, opts(a, bucket, prefix))
	if res.Uploaded != len(a.files) || res.Manifest != "uploaded" {
		t.Fatalf("publish through the flaky proxy: %+v", res)
	}
	if proxy.failed < len(a.files)/3 {
		t.Fatalf("the proxy failed only %d requests", proxy.failed)
	}
	assertObjects(t, srv.Objects(t, bucket, prefix), a.want(prefix, 1))

	// One object that always fails: the run gives up after 1+3 attempts of it,
	// and the bucket's manifest stays the first bake's.
	doomed := "/" + bucket + "/" + prefix + b.m.TileSets["maptiles/default/DSR"].Index
	proxy2 := newFaultProxy(t, srv.Endpoint, func(method, key string, _ int) fault {
		if method == http.MethodPut && key == doomed {
			return refuse
		}
		return pass
	})
	c2 := client(t, proxy2.URL, 3)
	_, err := publish.Publish(context.Background(), c2, opts(b, bucket, prefix))
	if err == nil || !strings.Contains(err.Error(), b.m.TileSets["maptiles/default/DSR"].Index) || !strings.Contains(err.Error(), "manifest.json is unchanged") {
		t.Fatalf("publish with an object that always fails: %v", err)
	}
	if n := proxy2.attemptsOf(http.MethodPut, doomed); n != 4 {
		t.Errorf("the failing object was tried %d times, want 1 + 3 retries", n)
	}
	if got := srv.Get(t, bucket, prefix+"manifest.json"); !bytes.Equal(got, a.raw) {
		t.Fatal("a failed publish replaced manifest.json")
	}
}

// TestPublishServerKilled stops the server (SIGKILL) in the middle of uploading a
// second bake: the publish fails, the first bake's manifest stays in force with
// every object it names, and after a restart a re-run completes.
func TestPublishServerKilled(t *testing.T) {
	s3test.Weed(t)
	s3test.AWSPath(t)
	srv := s3test.Start(t)
	a, b := bakeOf(t, 1), bakeOf(t, 3)
	const bucket, prefix = "killed", ""
	srv.CreateBucket(t, bucket)
	direct := client(t, srv.Endpoint, 2)
	mustPublish(t, direct, opts(a, bucket, prefix))

	var once sync.Once
	var puts int
	var mu sync.Mutex
	const killAfter = 60
	proxy := newFaultProxy(t, srv.Endpoint, func(method, _ string, _ int) fault {
		if method == http.MethodPut {
			mu.Lock()
			puts++
			if puts == killAfter {
				once.Do(srv.Kill)
			}
			mu.Unlock()
		}
		return pass
	})
	_, err := publish.Publish(context.Background(), client(t, proxy.URL, 2), opts(b, bucket, prefix))
	if err == nil || !strings.Contains(err.Error(), "manifest.json is unchanged") {
		t.Fatalf("publish while the server dies: %v, want a failure leaving manifest.json", err)
	}
	srv.Restart(t)
	if got := srv.Get(t, bucket, prefix+"manifest.json"); !bytes.Equal(got, a.raw) {
		t.Fatal("manifest.json is not the first bake's after the failed publish")
	}
	got := srv.Objects(t, bucket, prefix)
	for k, n := range a.want(prefix, 1) {
		if got[k] != n {
			t.Fatalf("after the failed publish, %s (named by the manifest in force) is %d bytes, want %d", k, got[k], n)
		}
	}
	res := mustPublish(t, direct, opts(b, bucket, prefix))
	if res.Manifest != "uploaded" || res.Uploaded == 0 || res.Uploaded+res.Present != len(b.files) {
		t.Fatalf("re-run after the restart: %+v", res)
	}
	got = srv.Objects(t, bucket, prefix)
	for k, n := range b.want(prefix, 2) {
		if got[k] != n {
			t.Fatalf("after the re-run, %s is %d bytes, want %d", k, got[k], n)
		}
	}
	if got := srv.Get(t, bucket, prefix+"manifest.json"); !bytes.Equal(got, b.raw) {
		t.Fatal("manifest.json is not the second bake's after the re-run")
	}
}

// TestCORSRules applies docs/publish-cors.json to a bucket with the aws CLI and
// checks what a map page's fetches need: a preflight for a Range request from
// another origin is allowed, and the partial response exposes ETag.
func TestCORSRules(t *testing.T) {
	srv := sharedServer(t)
	const bucket, key = "cors", "map.0123456789abcdef.pmtiles"
	srv.CreateBucket(t, bucket)
	srv.AWS(t, "s3", "cp", filepath.Join("..", "..", "docs", "publish-cors.json"), "s3://"+bucket+"/"+key)
	preflight := map[string]string{"Origin": "https://app.example.org", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range"}
	srv.AWS(t, "s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", "file://"+filepath.Join("..", "..", "docs", "publish-cors.json"))
	resp, _ := srv.HTTP(t, http.MethodOptions, bucket, key, preflight)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") == "" ||
		!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "range") ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Fatalf("preflight: %s %v", resp.Status, resp.Header)
	}
	resp, body := srv.HTTPGet(t, bucket, key, map[string]string{"Origin": "https://app.example.org", "Range": "bytes=0-9"})
	if resp.StatusCode != http.StatusPartialContent || len(body) != 10 || resp.Header.Get("Access-Control-Allow-Origin") == "" ||
		!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Expose-Headers")), "etag") {
		t.Fatalf("ranged GET from another origin: %s, %d bytes, %v", resp.Status, len(body), resp.Header)
	}
}
