// Package writer writes a bake's files: every asset content-hashed, text assets
// pre-compressed, files staged and renamed into place, and the manifest last.
//
// Layout of the output directory (see docs/manifest.md):
//
//	cmu/components.<sha256[:16]>.parquet     an asset
//	cmu/components.<sha256[:16]>.json.br     its variants (.br, .gz, .zst)
//	maptiles/DSR.<set[:16]>/{z}/{x}/{y}.geojson   a tile set, variants beside each tile
//	maptiles/DSR.<set[:16]>.sha256           the set's index; <set> is its SHA-256
//	.prebake/manifests/<seq>-<created>-<build_id>.json  every committed manifest, numbered in commit order, for prune
//	.prebake/tmp/<pid>-…/                    staging, removed once a build is done
//
// A file is only ever renamed into place complete, and a content-addressed name
// never changes meaning, so a build that dies leaves the last manifest valid.
package writer

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/prebake/prebake/manifest"
)

// Options configure a Writer.
type Options struct {
	OutDir  string // where files go (default "output")
	BaseURL string // prefix of every URL in the manifest; "" gives URLs relative to OutDir
	Workers int    // compression workers shared by all writes; 0 means GOMAXPROCS
}

// Meta describes an asset beyond its bytes.
type Meta struct {
	ContentType string            // by extension when empty
	Rows        *int64            // tables only
	Columns     []manifest.Column // tables only
	// ServerOnly marks an asset that only the app's server reads (through
	// prebake's Python package, which asks for gzip), never a browser: it
	// gets ServerCodecs' variants rather than Codecs'.
	ServerOnly bool
}

// codecs is the variants an asset gets: none when its kind of file is not
// compressible (Compressible), else Codecs or, for a server-only asset,
// ServerCodecs.
func (m Meta) codecs(name string) []Codec {
	switch {
	case !Compressible(name):
		return nil
	case m.ServerOnly:
		return ServerCodecs
	}
	return Codecs
}

// Writer collects a bake's outputs. It is safe for concurrent use; the manifest it
// writes does not depend on the order of calls.
type Writer struct {
	opts   Options
	sem    chan struct{} // bounds compression and file writing across all callers
	parent *Writer       // the Writer this is a Scope of; nil for the one that commits

	stageOnce sync.Once
	stage     string
	stageErr  error

	mu        sync.Mutex
	assets    map[string]manifest.Asset
	tilesets  map[string]manifest.TileSet
	shardsets map[string]manifest.ShardSet
	written   int // files created or replaced (not left as they were)
}

// The default output directory and manifest path of a bake: cmd/prebake's
// --out and --manifest flags and the zero Options of writer, bake, serve and
// publish all take these.
const (
	DefaultOutDir       = "output"
	DefaultManifestPath = "manifest.json"
)

// New returns a Writer for opts. It removes staging directories left by builds
// that died; files from earlier builds stay until prune.
func New(opts Options) (*Writer, error) {
	if opts.OutDir == "" {
		opts.OutDir = DefaultOutDir
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, err
	}
	if err := removeDeadStaging(opts.OutDir); err != nil {
		return nil, fmt.Errorf("clean staging in %s: %w", opts.OutDir, err)
	}
	return &Writer{
		opts:      opts,
		sem:       make(chan struct{}, opts.Workers),
		assets:    map[string]manifest.Asset{},
		tilesets:  map[string]manifest.TileSet{},
		shardsets: map[string]manifest.ShardSet{},
	}, nil
}

// Written counts the files this Writer created or replaced; a rebuild whose
// inputs did not change writes none.
func (w *Writer) Written() int {
	r := w.root()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written
}

func (w *Writer) countWritten(n int) {
	if n == 0 {
		return
	}
	r := w.root()
	r.mu.Lock()
	r.written += n
	r.mu.Unlock()
}

// staging is this build's private staging directory, made on first use.
func (w *Writer) staging() (string, error) {
	if w.parent != nil {
		return w.root().staging()
	}
	w.stageOnce.Do(func() { w.stage, w.stageErr = newStaging(w.opts.OutDir) })
	if w.stage == "" && w.stageErr == nil {
		return "", fmt.Errorf("writer for %s is closed (Commit closes it)", w.opts.OutDir)
	}
	return w.stage, w.stageErr
}

// Close removes the staging directory and ends the Writer: nothing more can be
// written. Commit calls it; call it yourself (e.g. deferred) when a build is
// abandoned without a Commit. Closing twice is harmless.
func (w *Writer) Close() error {
	if w.parent != nil {
		return nil
	}
	w.stageOnce.Do(func() {}) // no staging from now on
	if w.stage == "" {
		return nil
	}
	err := os.RemoveAll(w.stage)
	w.stage = ""
	return err
}

// parallel runs fn(0..n-1) on up to Workers goroutines shared with every other
// call, and returns the error of the lowest failing index, so that the error
// does not depend on scheduling.
func (w *Writer) parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	workers := min(w.opts.Workers, n)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				w.sem <- struct{}{}
				errs[i] = fn(i)
				<-w.sem
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// hashedName inserts the first 16 hex digits of sum before the extension:
// "cmu/components.parquet" -> "cmu/components.<hash>.parquet".
func hashedName(name, sum string) string {
	dir, file := path.Split(name)
	ext := path.Ext(file)
	if ext == file { // ".json" or no stem: keep the name whole
		ext = ""
	}
	return dir + strings.TrimSuffix(file, ext) + "." + sum[:16] + ext
}

// WriteAsset writes data as the asset with logical name (e.g. "cmu/components.parquet"),
// stored as "cmu/components.<hash>.parquet", with .br and .gz variants beside a
// text asset when they save at least a tenth (see Codecs). It returns once the files are in place; an
// asset already on disk with the same bytes is left untouched.
func (w *Writer) WriteAsset(name string, data []byte, meta Meta) (manifest.Asset, error) {
	if err := checkName(name); err != nil {
		return manifest.Asset{}, err
	}
	if w.hasAsset(name) {
		return manifest.Asset{}, fmt.Errorf("asset %q written twice", name)
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	rel := hashedName(name, h)
	encs, err := w.placeAsset(rel, data, meta.codecs(name), "")
	if err != nil {
		return manifest.Asset{}, fmt.Errorf("asset %q: %w", name, err)
	}
	sri := sha512.Sum384(data)
	ct := meta.ContentType
	if ct == "" {
		ct = ContentType(name)
	}
	a := manifest.Asset{Path: rel, URL: w.url(rel), SHA256: h, Integrity: "sha384-" + base64.StdEncoding.EncodeToString(sri[:]),
		Size: int64(len(data)), ContentType: ct, Encodings: encs, Rows: meta.Rows, Columns: meta.Columns}
	if err := w.addAsset(name, a); err != nil {
		return manifest.Asset{}, err
	}
	return a, nil
}

// placeAsset puts data at rel with its variants. Variants go first and the
// original last, so an original on disk means its variants were decided and
// placed: a rebuild reuses them without compressing again. staged, when not
// "", is a staging file already holding data (AssetWriter's): the original is
// renamed from it rather than written again, and it is gone when placeAsset
// returns without an error.
func (w *Writer) placeAsset(rel string, data []byte, codecs []Codec, staged string) (map[string]manifest.Encoding, error) {
	final := filepath.Join(w.opts.OutDir, filepath.FromSlash(rel))
	var encs map[string]manifest.Encoding
	if sameContent(final, data) {
		encs, codecs = existingVariants(final, rel, int64(len(data)), codecs, func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		})
		if len(codecs) == 0 {
			if staged != "" {
				os.Remove(staged)
			}
			return encs, nil
		}
	}
	stage, err := w.staging()
	if err != nil {
		return nil, err
	}
	if len(codecs) > 0 {
		out := make([][]byte, len(codecs))
		if err := w.parallel(len(codecs), func(i int) (err error) {
			out[i], err = Compress(codecs[i].Name, data)
			return err
		}); err != nil {
			return nil, err
		}
		for i, c := range codecs {
			if !worthIt(int64(len(out[i])), int64(len(data))) {
				continue
			}
			wrote, err := placeFile(stage, final+c.Suffix, out[i])
			if err != nil {
				return nil, err
			}
			if wrote {
				w.countWritten(1)
			}
			if encs == nil {
				encs = map[string]manifest.Encoding{}
			}
			encs[c.Name] = manifest.Encoding{Path: rel + c.Suffix, Size: int64(len(out[i]))}
		}
	}
	var wrote bool
	if staged != "" {
		wrote, err = placeStagedFile(staged, final, int64(len(data)))
	} else {
		wrote, err = placeFile(stage, final, data)
	}
	if err != nil {
		return nil, err
	}
	if wrote {
		w.countWritten(1)
	}
	return encs, nil
}

// existingVariants reads back the variants placed beside an original of size
// bytes that is in place, decided as placeAsset decides them (codecs, each only when it
// saves a tenth), so that variants an older bake wrote under another policy do
// not change the manifest: a rebuild into an old output directory names what a
// fresh bake names. It returns the entries of the variants that decode to the
// original's bytes (open reads them), and the codecs whose variant must be
// made again: absent (deleted, or never worth writing), not a regular file, or
// damaged (truncated, corrupt), which docs/manifest.md promises to replace
// like any file under a content-addressed name. Decoding costs far less than
// compressing, and an unchanged rebuild skips the generators altogether.
func existingVariants(final, rel string, size int64, codecs []Codec, open func() (io.ReadCloser, error)) (map[string]manifest.Encoding, []Codec) {
	var encs map[string]manifest.Encoding
	var redo []Codec
	for _, c := range codecs {
		fi, err := os.Stat(final + c.Suffix)
		switch {
		case err != nil || !fi.Mode().IsRegular() || !decodesTo(final+c.Suffix, c.Name, open):
			redo = append(redo, c)
			continue
		case !worthIt(fi.Size(), size):
			continue
		}
		if encs == nil {
			encs = map[string]manifest.Encoding{}
		}
		encs[c.Name] = manifest.Encoding{Path: rel + c.Suffix, Size: fi.Size()}
	}
	return encs, redo
}

// RegisterTileSet adds a tile set that was written as an asset (a PMTiles archive).
func (w *Writer) RegisterTileSet(name string, ts manifest.TileSet) error {
	if name == "" {
		return fmt.Errorf("tile set with an empty name")
	}
	if ts.TileJSON.TileJSON == "" {
		ts.TileJSON.TileJSON = "3.0.0"
	}
	return w.addTileSet(name, ts)
}

func (w *Writer) url(rel string) string {
	if w.opts.BaseURL == "" {
		return rel
	}
	return strings.TrimSuffix(w.opts.BaseURL, "/") + "/" + rel
}

// checkName refuses names that could escape the output directory, or that end
// in a variant suffix and so could collide with another file's variant.
func checkName(name string) error {
	if err := manifest.CheckPath(name); err != nil {
		return fmt.Errorf("unsafe output name: %w", err)
	}
	if isVariantName(name) {
		return fmt.Errorf("output name %q ends in a pre-compressed variant's suffix", name)
	}
	return nil
}
