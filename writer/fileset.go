package writer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/prebake/prebake/manifest"
)

// NewFileSet starts a set of files content-addressed as a whole: the set named
// "maptiles/DSR" is stored under "maptiles/DSR.<hash>/".
func (w *Writer) NewFileSet(name string) *FileSet {
	return &FileSet{w: w, name: name, files: map[string]setFile{}}
}

// FileSet is a directory of files named by the hash of all of them. Add holds a
// copy of each file until Finish, which needs every file to name the directory.
type FileSet struct {
	w        *Writer
	name     string
	mu       sync.Mutex
	files    map[string]setFile
	finished bool
}

type setFile struct {
	rel  string
	data []byte
	sum  [sha256.Size]byte
}

// Add adds a file at rel, a slash-separated path inside the set such as "3/4/2.geojson".
// It keeps a copy of data, so the caller may reuse its buffer.
func (s *FileSet) Add(rel string, data []byte) error {
	if err := checkName(rel); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	f := setFile{rel: rel, data: append([]byte(nil), data...), sum: sha256.Sum256(data)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return fmt.Errorf("%s: file %q added after the set was finished", s.name, rel)
	}
	if _, dup := s.files[rel]; dup {
		return fmt.Errorf("%s: file %q added twice", s.name, rel)
	}
	s.files[rel] = f
	return nil
}

// setIndex is a set's index in sha256sum format, "<sha256>  <file>\n" per file in
// byte order of the names; the set's hash is the SHA-256 of these bytes, so
// `sha256sum -c` checks a set and the index checks the set name.
func setIndex(files []setFile) []byte {
	var b strings.Builder
	b.Grow(len(files) * 96)
	for _, f := range files {
		b.WriteString(hex.EncodeToString(f.sum[:]))
		b.WriteString("  ")
		b.WriteString(f.rel)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// writtenSet is what Finish learned about a set on disk.
type writtenSet struct {
	dir, index, sum string
	files           int
	bytes           int64
	encodings       []string
	perZoom         map[string]manifest.ZoomStat
}

func (s *FileSet) write() (writtenSet, error) {
	if err := checkName(s.name); err != nil {
		return writtenSet{}, err
	}
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return writtenSet{}, fmt.Errorf("file set %q finished twice", s.name)
	}
	s.finished = true
	files := make([]setFile, 0, len(s.files))
	for _, f := range s.files {
		files = append(files, f)
	}
	s.files = nil
	s.mu.Unlock()
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })

	index := setIndex(files)
	sum := sha256.Sum256(index)
	ws := writtenSet{sum: hex.EncodeToString(sum[:]), files: len(files)}
	ws.dir = s.name + "." + ws.sum[:16]
	ws.index = ws.dir + ".sha256"
	for _, f := range files {
		ws.bytes += int64(len(f.data))
		if z, _, ok := strings.Cut(f.rel, "/"); ok {
			if _, err := strconv.Atoi(z); err == nil {
				if ws.perZoom == nil {
					ws.perZoom = map[string]manifest.ZoomStat{}
				}
				st := ws.perZoom[z]
				st.Files++
				st.Bytes += int64(len(f.data))
				ws.perZoom[z] = st
			}
		}
	}

	final := filepath.Join(s.w.opts.OutDir, filepath.FromSlash(ws.dir))
	if fi, err := os.Stat(final); err == nil && fi.IsDir() {
		// The directory is only ever renamed into place whole, so it is complete.
		ws.encodings = setVariants(final, files)
	} else {
		encs, err := s.w.stageSet(final, files)
		if err != nil {
			return writtenSet{}, fmt.Errorf("file set %q: %w", s.name, err)
		}
		ws.encodings = encs
	}
	stage, err := s.w.staging()
	if err != nil {
		return writtenSet{}, err
	}
	wrote, err := placeFile(stage, filepath.Join(s.w.opts.OutDir, filepath.FromSlash(ws.index)), index)
	if err != nil {
		return writtenSet{}, fmt.Errorf("file set %q: index: %w", s.name, err)
	}
	if wrote {
		s.w.countWritten(1)
	}
	return ws, nil
}

// setVariants reads back which encodings an existing set carries: they sit
// beside every file, so the first file tells.
func setVariants(dir string, files []setFile) []string {
	var encs []string
	if len(files) == 0 {
		return nil
	}
	for _, c := range Codecs {
		if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(files[0].rel)) + c.Suffix); err == nil && fi.Mode().IsRegular() {
			encs = append(encs, c.Name)
		}
	}
	return encs
}

// stageSet writes files and their variants into a staging directory, then
// renames it to final in one step. An encoding is kept when it makes the set as
// a whole smaller, and then sits beside every file (a few tiny files may get a
// variant a few bytes larger than the original), so a client or an upload script
// can rely on "every file has every listed encoding".
func (w *Writer) stageSet(final string, files []setFile) ([]string, error) {
	stage, err := w.staging()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(stage, "set-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // gone once renamed; leftovers after a failure
	compress := len(files) > 0
	for _, f := range files {
		compress = compress && Compressible(f.rel)
	}
	// Make every directory once, in order, before the parallel writes.
	made := map[string]bool{}
	for _, f := range files {
		d := path.Dir(f.rel)
		if d == "." || made[d] {
			continue
		}
		made[d] = true
		if err := os.MkdirAll(filepath.Join(tmp, filepath.FromSlash(d)), 0o755); err != nil {
			return nil, err
		}
	}
	// One pass writes each file and all its variants and drops the data; the
	// rare encoding that does not pay for the set is removed afterwards.
	sizes := make([][]int64, len(files)) // per file, per codec
	var orig int64
	for _, f := range files {
		orig += int64(len(f.data))
	}
	err = w.parallel(len(files), func(i int) error {
		p := filepath.Join(tmp, filepath.FromSlash(files[i].rel))
		if err := os.WriteFile(p, files[i].data, 0o644); err != nil {
			return err
		}
		if compress {
			sizes[i] = make([]int64, len(Codecs))
			for c, codec := range Codecs {
				z, err := Compress(codec.Name, files[i].data)
				if err != nil {
					return fmt.Errorf("%s %s: %w", files[i].rel, codec.Name, err)
				}
				if err := os.WriteFile(p+codec.Suffix, z, 0o644); err != nil {
					return err
				}
				sizes[i][c] = int64(len(z))
			}
		}
		files[i].data = nil // written: let the collector have it
		return nil
	})
	if err != nil {
		return nil, err
	}
	keep := make([]bool, len(Codecs))
	var encs []string
	if compress {
		total := make([]int64, len(Codecs))
		for i := range files {
			for c := range Codecs {
				total[c] += sizes[i][c]
			}
		}
		for c, codec := range Codecs {
			if keep[c] = total[c] < orig; keep[c] {
				encs = append(encs, codec.Name)
			} else if err := w.parallel(len(files), func(i int) error {
				return os.Remove(filepath.Join(tmp, filepath.FromSlash(files[i].rel)) + codec.Suffix)
			}); err != nil {
				return nil, err
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, final); err != nil {
		// Another writer may have placed the same set meanwhile; that is as good.
		if fi, serr := os.Stat(final); serr == nil && fi.IsDir() {
			return setVariants(final, files), nil
		}
		return nil, err
	}
	n := len(files)
	for _, k := range keep {
		if k {
			n += len(files)
		}
	}
	w.countWritten(n)
	return encs, nil
}

// FinishTileSet writes the set and records it as tile set layer. tj.Tiles holds
// templates relative to the set's directory (e.g. "{z}/{x}/{y}.geojson"); they
// become URLs. A file path whose first segment is a number counts towards that
// zoom level's per_zoom statistics.
func (s *FileSet) FinishTileSet(layer string, tj manifest.TileJSON, layout map[string]any) (manifest.TileSet, error) {
	if layer == "" {
		return manifest.TileSet{}, errors.New("tile set with an empty layer name")
	}
	ws, err := s.write()
	if err != nil {
		return manifest.TileSet{}, err
	}
	tiles := make([]string, len(tj.Tiles))
	for i, t := range tj.Tiles {
		tiles[i] = s.w.url(ws.dir + "/" + t)
	}
	tj.Tiles = tiles
	if tj.TileJSON == "" {
		tj.TileJSON = "3.0.0"
	}
	format := "geojson"
	if len(tj.Tiles) > 0 {
		if ext := strings.TrimPrefix(path.Ext(tj.Tiles[0]), "."); ext != "" {
			format = ext
		}
	}
	ts := manifest.TileSet{TileJSON: tj, Path: ws.dir, Format: format, Files: ws.files, Bytes: ws.bytes,
		Encodings: ws.encodings, PerZoom: ws.perZoom, Layout: layout, SHA256: ws.sum, Index: ws.index}
	return ts, s.w.RegisterTileSet(layer, ts)
}

// FinishShardSet writes the set and records it as shard set name. urlPattern is
// relative to the set's directory and holds "{key}", e.g. "{outcode}.json".
func (s *FileSet) FinishShardSet(name, key, urlPattern string, params map[string]any) (manifest.ShardSet, error) {
	if name == "" || key == "" || !strings.Contains(urlPattern, "{"+key+"}") {
		return manifest.ShardSet{}, fmt.Errorf("shard set %q: url pattern %q must hold {%s}", name, urlPattern, key)
	}
	ws, err := s.write()
	if err != nil {
		return manifest.ShardSet{}, err
	}
	ss := manifest.ShardSet{Path: ws.dir, URL: s.w.url(ws.dir + "/" + urlPattern), Key: key, Files: ws.files, Bytes: ws.bytes,
		Encodings: ws.encodings, Params: params, SHA256: ws.sum, Index: ws.index}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if _, dup := s.w.shardsets[name]; dup {
		return manifest.ShardSet{}, fmt.Errorf("shard set %q written twice", name)
	}
	s.w.shardsets[name] = ss
	return ss, nil
}
