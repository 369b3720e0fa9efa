// Package serve serves a bake over HTTP the way the CDN it is uploaded to will,
// for development: the app's pages and the JS client (js/) can be pointed at it,
// and it adds a preview map at "/" and a bake report at "/_prebake/report".
//
// For every file under the output directory it gives:
//   - the pre-compressed variant (br, zstd, gzip) the client accepts, chosen
//     among the variants the manifest lists for that file, with
//     Content-Encoding and Vary: Accept-Encoding (the original when none fits);
//   - a strong ETag per representation (the first 128 bits of the SHA-256 of
//     the bytes sent, then "-br"/"-gzip"/"-zstd" for a variant), and 304 Not
//     Modified for a matching If-None-Match;
//   - byte ranges (206, 416, If-Range), which the PMTiles client relies on, as
//     RFC 9110 §14 has them (rangeHeader: unknown units and more than
//     MaxRanges or overlapping ranges ignored, a last-pos past the end
//     clamped however large);
//   - Cache-Control "public, max-age=31536000, immutable" for content-hashed
//     names, "public, max-age=60" for everything else (manifest.json);
//   - CORS for any origin (the app and the preview may live elsewhere);
//   - GET, HEAD and OPTIONS only.
//
// No path outside the output directory is reachable: requests with "..",
// empty, hidden (".prebake") or backslash segments are refused, and files are
// opened through os.Root (on Linux, openat2 with RESOLVE_BENEATH), which does
// not follow symlinks out of the directory. Only regular files are served:
// anything else (a FIFO, a socket, a device) is opened with O_NONBLOCK,
// refused, and never read, so no request waits on it.
package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// Options say what to serve.
type Options struct {
	OutDir       string // the output directory (what CI uploads)
	ManifestPath string // the live manifest, served at /manifest.json
	ReportPath   string // prebake-report.jsonl of the bake (bake.DefaultReportPath in the CLI; "", absent or of another build: the report page says so)
}

// Cache-Control values: content-hashed files never change; the manifest (and any
// other unhashed file) is re-checked after a minute, as a CDN would be set up.
const (
	CacheImmutable = "public, max-age=31536000, immutable"
	CacheShort     = "public, max-age=60"
)

// Server is an http.Handler serving one output directory.
type Server struct {
	opts    Options
	root    *os.Root
	beneath *beneath // Linux: the same guarantee in one system call

	mu       sync.Mutex
	man      *manifest.Manifest
	manStamp fileStamp
	variants map[string][]string // file or set directory (rel) -> encodings the manifest lists
	etags    map[etagKey]string

	mux *http.ServeMux
}

type fileStamp struct {
	size int64
	mod  time.Time
}

type etagKey struct {
	rel string
	fileStamp
}

// New opens opts.OutDir for serving. The manifest is read on every request
// whose manifest file changed on disk, so a rebuild while serving shows up.
func New(opts Options) (*Server, error) {
	if opts.OutDir == "" {
		opts.OutDir = writer.DefaultOutDir
	}
	if opts.ManifestPath == "" {
		opts.ManifestPath = writer.DefaultManifestPath
	}
	root, err := os.OpenRoot(opts.OutDir)
	if err != nil {
		return nil, fmt.Errorf("serve: output directory %s: %w%s", opts.OutDir, pathReason(err), bakeHint(err))
	}
	s := &Server{opts: opts, root: root, beneath: openBeneath(opts.OutDir), etags: map[etagKey]string{}}
	if _, err := s.manifest(); err != nil {
		root.Close()
		return nil, err
	}
	s.mux = http.NewServeMux()
	s.routes()
	return s, nil
}

// pathReason is the reason of a *fs.PathError without the operation and path
// it repeats ("no such file or directory"), for messages that name the path.
func pathReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// bakeHint says how to make a bake when a file of one does not exist.
func bakeHint(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return " (bake first: `make run` for the sample, or `prebake build --out DIR --manifest FILE`)"
	}
	return ""
}

// Close releases the output directory.
func (s *Server) Close() error {
	s.beneath.close()
	return s.root.Close()
}

// open opens a file below the output directory, never one outside it, and
// only a regular file or a directory (regularOnly).
func (s *Server) open(rel string) (*os.File, error) {
	if f, err, ok := s.beneath.open(rel); ok {
		return regularOnly(f, err)
	}
	return regularOnly(s.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0))
}

// errNotRegular refuses a FIFO, socket or device: reading one may block for
// ever (a FIFO without a writer) or never end.
var errNotRegular = errors.New("not a regular file")

// regularOnly takes the result of an open made with O_NONBLOCK (so that the
// open of a FIFO returns at once instead of waiting for a writer) and keeps
// the file only when it is a regular file or a directory; anything else is
// closed and refused with errNotRegular.
func regularOnly(f *os.File, err error) (*os.File, error) {
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: f.Name(), Err: errNotRegular}
	}
	return f, nil
}

// openRegular opens a file by its path (the manifest, the report) as open
// does a file of the output.
func openRegular(p string) (*os.File, error) {
	return regularOnly(os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0))
}

// manifest returns the current manifest, re-reading it when its file changed.
func (s *Server) manifest() (*manifest.Manifest, error) {
	fi, err := os.Stat(s.opts.ManifestPath)
	if err != nil {
		return nil, fmt.Errorf("serve: manifest %s: %w%s", s.opts.ManifestPath, pathReason(err), bakeHint(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("serve: manifest %s: %w", s.opts.ManifestPath, errNotRegular)
	}
	st := fileStamp{fi.Size(), fi.ModTime()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.man != nil && st == s.manStamp {
		return s.man, nil
	}
	m, err := manifest.Load(s.opts.ManifestPath)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	s.man, s.manStamp, s.variants = m, st, variantIndex(m)
	return m, nil
}

// variantIndex maps each asset's path, and each tile or shard set's directory,
// to the encodings the manifest lists for it.
func variantIndex(m *manifest.Manifest) map[string][]string {
	v := map[string][]string{}
	for _, a := range m.Assets {
		for enc := range a.Encodings {
			v[a.Path] = append(v[a.Path], enc)
		}
	}
	for _, t := range m.TileSets {
		if len(t.Encodings) > 0 {
			v[t.Path+"/"] = t.Encodings
		}
	}
	for _, s := range m.ShardSets {
		if len(s.Encodings) > 0 {
			v[s.Path+"/"] = s.Encodings
		}
	}
	return v
}

// encodingsFor lists the encodings the manifest gives for the file rel.
func (s *Server) encodingsFor(rel string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.variants[rel]; ok {
		return e
	}
	for dir := path.Dir(rel); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if e, ok := s.variants[dir+"/"]; ok {
			return e
		}
	}
	return nil
}

func (s *Server) routes() {
	s.mux.HandleFunc("/{$}", s.servePreview)
	s.mux.HandleFunc("/_prebake/report", s.serveReportPage)
	s.mux.HandleFunc("/_prebake/report.json", s.serveReportJSON)
	s.mux.Handle("/_prebake/", http.StripPrefix("/_prebake/", http.HandlerFunc(s.serveEmbedded)))
	s.mux.HandleFunc("/manifest.json", s.serveManifest)
	s.mux.HandleFunc("/", s.serveOutput)
}

// ServeHTTP applies what every response shares (methods, CORS), then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, Content-Encoding, Accept-Ranges, ETag")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		// CORS preflight: a page elsewhere may send Range and If-None-Match.
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Range, If-None-Match, If-Range, If-Modified-Since, Accept-Encoding")
		h.Set("Access-Control-Max-Age", "86400")
		h.Set("Allow", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		h.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// Check the raw path too: the mux would clean "/a/../b" into a redirect,
	// and a CDN would never resolve ".." into another object.
	if bad := badPath(r.URL.Path); bad != "" {
		http.Error(w, bad, http.StatusBadRequest)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// badPath says why a request path is refused, or "" when it is acceptable.
func badPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "path must start with /"
	}
	if strings.ContainsAny(p, "\\\x00") {
		return "backslash or NUL in path"
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == ".." || seg == "." {
			return "dot segment in path"
		}
	}
	return ""
}

// relPath turns a request path into a path relative to the output directory,
// or "" for one that names no servable file: hidden segments (the writer's
// .prebake state, staging) and empty segments are never served.
func relPath(p string) string {
	rel := strings.TrimPrefix(p, "/")
	if rel == "" {
		return ""
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == "" || strings.HasPrefix(seg, ".") {
			return ""
		}
	}
	return rel
}

func (s *Server) serveManifest(w http.ResponseWriter, r *http.Request) {
	if _, err := s.manifest(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	f, err := openRegular(s.opts.ManifestPath)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	s.serveFile(w, r, f, "\x00manifest", "manifest.json", "", false)
}

func (s *Server) serveOutput(w http.ResponseWriter, r *http.Request) {
	if _, err := s.manifest(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	rel := relPath(r.URL.Path)
	if rel == "" {
		http.NotFound(w, r)
		return
	}
	encs := s.encodingsFor(rel)
	if len(encs) > 0 {
		w.Header().Add("Vary", "Accept-Encoding")
	}
	enc := negotiate(r.Header.Get("Accept-Encoding"), encs)
	for enc != "" {
		codec, _ := writer.CodecByName(enc)
		f, err := s.open(rel + codec.Suffix)
		if err == nil {
			defer f.Close()
			s.serveFile(w, r, f, rel+codec.Suffix, rel, enc, writer.ContentAddressed(rel))
			return
		}
		// The manifest lists it but it is gone: try the next acceptable one.
		encs = without(encs, enc)
		enc = negotiate(r.Header.Get("Accept-Encoding"), encs)
	}
	if !acceptsIdentity(r.Header.Get("Accept-Encoding")) {
		http.Error(w, "no acceptable encoding", http.StatusNotAcceptable)
		return
	}
	f, err := s.open(rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		// os.Root refuses symlinks that leave the directory: as absent.
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	s.serveFile(w, r, f, rel, rel, "", writer.ContentAddressed(rel))
}

func without(list []string, x string) []string {
	var out []string
	for _, e := range list {
		if e != x {
			out = append(out, e)
		}
	}
	return out
}

// serveFile sends f (a file of the output, or a variant of name) with its ETag,
// Cache-Control and, for a variant, Content-Encoding; http.ServeContent does
// Range, If-Range, If-None-Match and HEAD.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, f *os.File, key, name, enc string, immutable bool) {
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		http.NotFound(w, r) // directories are not listed, as on a CDN
		return
	}
	etag, err := s.etag(f, key, fileStamp{fi.Size(), fi.ModTime()})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	if enc != "" {
		etag = etag[:len(etag)-1] + "-" + enc + `"`
		h.Set("Content-Encoding", enc)
	}
	h.Set("ETag", etag)
	h.Set("Content-Type", writer.ContentType(name))
	if immutable {
		h.Set("Cache-Control", CacheImmutable)
	} else {
		h.Set("Cache-Control", CacheShort)
	}
	// No Last-Modified: the ETag identifies the bytes; a file's mtime says only
	// when this machine wrote it.
	if enc != "" {
		// ServeContent leaves Content-Length out when Content-Encoding is set;
		// a CDN sends it for a stored variant, and clients show progress by it.
		w = &lengthWriter{ResponseWriter: w, size: fi.Size()}
	}
	if rng := r.Header.Get("Range"); rng != "" {
		if fixed, changed := rangeHeader(rng, fi.Size()); changed {
			r = r.Clone(r.Context())
			if fixed == "" {
				r.Header.Del("Range")
			} else {
				r.Header.Set("Range", fixed)
			}
		}
	}
	http.ServeContent(w, r, "", time.Time{}, f)
}

// MaxRanges is the most ranges one request may ask for. RFC 9110 §14.2 lets a
// server ignore a Range header of many small or overlapping ranges (a broken
// client or a denial of service: each range costs a multipart header, so
// thousands of one-byte ranges of a small file build a response many times
// its size). The PMTiles client asks for one range at a time; 16 leaves room
// for any reasonable client.
const MaxRanges = 16

// rangeHeader rewrites a Range header for http.ServeContent (Go 1.26), so the
// response follows RFC 9110 §14 where ServeContent does not:
//
//   - a range unit other than "bytes" (compared case-insensitively, §14.1) is
//     ignored (§14.2): fixed is "", and the whole representation is sent (200);
//     ServeContent answers it with 416;
//   - more than MaxRanges ranges, or three or more of which any two overlap, are ignored
//     the same way (§14.2 allows ignoring or rejecting; ignoring costs no
//     more than a plain GET);
//   - a last-pos past the end is clamped to the last byte, also one too large
//     for an int64 (§14.1.2: such a range is satisfiable; ServeContent fails
//     to parse it and answers 416); a suffix length too large for an int64 is
//     the whole representation; a first-pos too large for an int64 is past the
//     end, so unsatisfiable, and dropped;
//   - a suffix range of zero bytes ("-0") is unsatisfiable (§14.1.1) and
//     dropped (ServeContent answers "bytes=-0" with a 206 of the whole file).
//
// When nothing satisfiable is left, or the syntax is broken (no "=", a range
// that is not digits, a last-pos before its first-pos), the header becomes
// "bytes=<size>-", which ServeContent answers with 416 and the
// "bytes */<size>" Content-Range §15.5.17 asks for (after If-Range, as for any
// range; ServeContent leaves it out for a header it cannot parse). fixed ""
// means: drop the header. changed is false when the header stays as it is.
func rangeHeader(rng string, size int64) (fixed string, changed bool) {
	unsatisfiable := "bytes=" + strconv.FormatInt(size, 10) + "-"
	unit, set, ok := strings.Cut(rng, "=")
	unit = strings.TrimSpace(unit)
	if !ok || !isToken(unit) {
		return unsatisfiable, true // broken syntax
	}
	if !strings.EqualFold(unit, "bytes") {
		return "", true // an unknown unit: ignored
	}
	type span struct{ first, last int64 }
	var kept []string
	var spans []span
	specs := strings.Split(set, ",")
	if len(specs) > MaxRanges {
		return "", true
	}
	for _, spec := range specs {
		t := strings.TrimSpace(spec)
		if t == "" {
			changed = true // an empty list element, which recipients ignore (§5.6.1.2)
			continue
		}
		first, last, ok := strings.Cut(t, "-")
		if !ok || (first != "" && !isDigits(first)) || (last != "" && !isDigits(last)) || (first == "" && last == "") {
			return unsatisfiable, true // broken syntax
		}
		switch {
		case first == "": // a suffix: the last n bytes
			n, err := strconv.ParseInt(last, 10, 64)
			if err != nil {
				n = size // more than 2^63-1 bytes: all of them
			}
			if n == 0 {
				changed = true
				continue
			}
			t = "-" + strconv.FormatInt(n, 10)
			spans = append(spans, span{max(size-n, 0), size - 1})
		default:
			a, err := strconv.ParseInt(first, 10, 64)
			if err != nil || a >= size {
				changed = true // past the end: unsatisfiable
				continue
			}
			b := size - 1
			if last != "" {
				if v, err := strconv.ParseInt(last, 10, 64); err == nil && v < size {
					b = v
				}
				if b < a {
					return unsatisfiable, true // last before first: broken
				}
			}
			t = strconv.FormatInt(a, 10) + "-" + strconv.FormatInt(b, 10)
			spans = append(spans, span{a, b})
		}
		if t != strings.TrimSpace(spec) {
			changed = true
		}
		kept = append(kept, t)
	}
	if len(spans) > 2 {
		sort.Slice(spans, func(i, j int) bool { return spans[i].first < spans[j].first })
		for i := 1; i < len(spans); i++ {
			if spans[i].first <= spans[i-1].last {
				return "", true // overlapping ranges: ignored
			}
		}
	}
	if unit != "bytes" {
		changed = true
	}
	if !changed {
		return "", false
	}
	if len(kept) == 0 {
		return unsatisfiable, true
	}
	return "bytes=" + strings.Join(kept, ","), true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isToken reports whether s is an RFC 9110 §5.6.2 token (a range unit is one).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// lengthWriter adds Content-Length to a 200 or single-range 206 response.
type lengthWriter struct {
	http.ResponseWriter
	size int64
}

func (lw *lengthWriter) WriteHeader(code int) {
	h := lw.Header()
	if h.Get("Content-Length") == "" {
		switch code {
		case http.StatusOK:
			h.Set("Content-Length", strconv.FormatInt(lw.size, 10))
		case http.StatusPartialContent:
			var first, last, total int64
			if n, _ := fmt.Sscanf(h.Get("Content-Range"), "bytes %d-%d/%d", &first, &last, &total); n == 3 {
				h.Set("Content-Length", strconv.FormatInt(last-first+1, 10))
			}
		}
	}
	lw.ResponseWriter.WriteHeader(code)
}

func (lw *lengthWriter) Write(b []byte) (int, error) { return lw.ResponseWriter.Write(b) }

// ReadFrom keeps the connection's sendfile path for the body (ServeContent
// copies the file with io.CopyN, which uses the writer's ReadFrom).
func (lw *lengthWriter) ReadFrom(r io.Reader) (int64, error) { return io.Copy(lw.ResponseWriter, r) }

// etag returns the strong ETag of a file's bytes, hashing it once per size and
// modification time.
func (s *Server) etag(f *os.File, key string, st fileStamp) (string, error) {
	k := etagKey{key, st}
	s.mu.Lock()
	e, ok := s.etags[k]
	s.mu.Unlock()
	if ok {
		return e, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	e = `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
	s.mu.Lock()
	s.etags[k] = e
	s.mu.Unlock()
	return e, nil
}
