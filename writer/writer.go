// Package writer writes a bake's files: every asset content-hashed, text assets
// pre-compressed, files staged and renamed into place, and the manifest last.
package writer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/prebake/prebake/manifest"
)

// Options configure a Writer.
type Options struct {
	OutDir  string // where files go (default "output")
	BaseURL string // prefix of every URL in the manifest; "" gives URLs relative to OutDir
}

// Meta describes an asset beyond its bytes.
type Meta struct {
	ContentType string            // by extension when empty
	Rows        *int64            // tables only
	Columns     []manifest.Column // tables only
}

// Writer collects a bake's outputs. It is safe for concurrent use; the manifest it
// writes does not depend on the order of calls.
type Writer struct {
	opts Options

	mu        sync.Mutex
	assets    map[string]manifest.Asset
	tilesets  map[string]manifest.TileSet
	shardsets map[string]manifest.ShardSet
}

// New returns a Writer for opts.
func New(opts Options) (*Writer, error) {
	if opts.OutDir == "" {
		opts.OutDir = "output"
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, err
	}
	return &Writer{
		opts:      opts,
		assets:    map[string]manifest.Asset{},
		tilesets:  map[string]manifest.TileSet{},
		shardsets: map[string]manifest.ShardSet{},
	}, nil
}

// WriteAsset writes data as the asset with logical name (e.g. "cmu/components.parquet"),
// stored as "cmu/components.<hash>.parquet".
func (w *Writer) WriteAsset(name string, data []byte, meta Meta) (manifest.Asset, error) {
	if err := checkName(name); err != nil {
		return manifest.Asset{}, err
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	dir, file := path.Split(name)
	ext := path.Ext(file)
	rel := dir + strings.TrimSuffix(file, ext) + "." + h[:16] + ext
	if err := writeFile(filepath.Join(w.opts.OutDir, filepath.FromSlash(rel)), data); err != nil {
		return manifest.Asset{}, err
	}
	a := manifest.Asset{Path: rel, URL: w.url(rel), SHA256: h, Size: int64(len(data)), ContentType: meta.ContentType, Rows: meta.Rows, Columns: meta.Columns}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, dup := w.assets[name]; dup {
		return manifest.Asset{}, fmt.Errorf("asset %q written twice", name)
	}
	w.assets[name] = a
	return a, nil
}

// RegisterTileSet adds a tile set that was written as an asset (a PMTiles archive).
func (w *Writer) RegisterTileSet(name string, ts manifest.TileSet) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, dup := w.tilesets[name]; dup {
		return fmt.Errorf("tile set %q written twice", name)
	}
	w.tilesets[name] = ts
	return nil
}

// NewFileSet starts a set of files content-addressed as a whole: the set named
// "maptiles/DSR" is stored under "maptiles/DSR.<hash>/".
func (w *Writer) NewFileSet(name string) *FileSet {
	return &FileSet{w: w, name: name, files: map[string][]byte{}}
}

// FileSet is a directory of files named by the hash of all of them.
type FileSet struct {
	w     *Writer
	name  string
	mu    sync.Mutex
	files map[string][]byte
}

// Add adds a file at rel, a slash-separated path inside the set such as "3/4/2.geojson".
func (s *FileSet) Add(rel string, data []byte) error {
	if err := checkName(rel); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.files[rel]; dup {
		return fmt.Errorf("%s: file %q added twice", s.name, rel)
	}
	s.files[rel] = data
	return nil
}

func (s *FileSet) write() (dir string, files int, bytes int64, err error) {
	if err := checkName(s.name); err != nil {
		return "", 0, 0, err
	}
	names := make([]string, 0, len(s.files))
	for n := range s.files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		d := sha256.Sum256(s.files[n])
		fmt.Fprintf(h, "%s\x00%x\n", n, d)
	}
	dir = s.name + "." + hex.EncodeToString(h.Sum(nil))[:16]
	for _, n := range names {
		if err := writeFile(filepath.Join(s.w.opts.OutDir, filepath.FromSlash(dir), filepath.FromSlash(n)), s.files[n]); err != nil {
			return "", 0, 0, err
		}
		bytes += int64(len(s.files[n]))
	}
	return dir, len(names), bytes, nil
}

// FinishTileSet writes the set and records it as tile set layer. tj.Tiles holds
// templates relative to the set's directory (e.g. "{z}/{x}/{y}.geojson"); they
// become URLs.
func (s *FileSet) FinishTileSet(layer string, tj manifest.TileJSON, layout map[string]any) (manifest.TileSet, error) {
	dir, n, b, err := s.write()
	if err != nil {
		return manifest.TileSet{}, err
	}
	for i, t := range tj.Tiles {
		tj.Tiles[i] = s.w.url(dir + "/" + t)
	}
	ts := manifest.TileSet{TileJSON: tj, Path: dir, Format: "geojson", Files: n, Bytes: b, Layout: layout}
	return ts, s.w.RegisterTileSet(layer, ts)
}

// FinishShardSet writes the set and records it as shard set name. urlPattern is
// relative to the set's directory and holds "{key}", e.g. "{outcode}.json".
func (s *FileSet) FinishShardSet(name, key, urlPattern string, params map[string]any) (manifest.ShardSet, error) {
	dir, n, b, err := s.write()
	if err != nil {
		return manifest.ShardSet{}, err
	}
	ss := manifest.ShardSet{Path: dir, URL: s.w.url(dir + "/" + urlPattern), Key: key, Files: n, Bytes: b, Params: params}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if _, dup := s.w.shardsets[name]; dup {
		return manifest.ShardSet{}, fmt.Errorf("shard set %q written twice", name)
	}
	s.w.shardsets[name] = ss
	return ss, nil
}

// Commit writes the manifest to manifestPath, last.
func (w *Writer) Commit(manifestPath string, m manifest.Manifest) error {
	return fmt.Errorf("writer.Commit: not implemented yet")
}

func (w *Writer) url(rel string) string {
	if w.opts.BaseURL == "" {
		return rel
	}
	return strings.TrimSuffix(w.opts.BaseURL, "/") + "/" + rel
}

// checkName refuses names that could escape the output directory.
func checkName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || path.Clean(name) != name || strings.HasPrefix(name, "../") || name == ".." {
		return fmt.Errorf("unsafe output name %q", name)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." || seg == "." || seg == "" {
			return fmt.Errorf("unsafe output name %q", name)
		}
	}
	return nil
}

func writeFile(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}
