package writer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
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
	return &FileSet{w: w, name: name, files: map[string]setFile{}, dirs: map[string]bool{}, smallLevel: BrotliSmallLevel}
}

// CompressFast has the set's brotli variants of small files (up to
// BrotliSmallSize bytes) written at BrotliFastLevel rather than
// BrotliSmallLevel: for a set of dense numeric text, where the higher level
// buys little for its CPU. Call it before Finish; it returns s.
func (s *FileSet) CompressFast() *FileSet {
	s.mu.Lock()
	s.smallLevel = BrotliFastLevel
	s.mu.Unlock()
	return s
}

// FileSet is a directory of files named by the hash of all of them. Add writes
// each file into a staging directory at once and keeps only its name, size and
// SHA-256, so a set of thousands of tiles costs no memory until Finish, which
// needs every file to name the directory. (Holding the files until Finish
// weighed on the bake's peak heap with the generators running at once.)
type FileSet struct {
	w        *Writer
	name     string
	mu       sync.Mutex
	files    map[string]setFile
	dirs     map[string]bool // directories made under tmp
	tmp      string          // the staging directory, made by the first Add
	finished bool
	// smallLevel is the brotli quality of files up to BrotliSmallSize bytes.
	smallLevel int
}

type setFile struct {
	rel  string
	size int64
	sum  [sha256.Size]byte
}

// Add adds a file at rel, a slash-separated path inside the set such as "3/4/2.geojson".
// It writes data to the staging directory before it returns, so the caller may
// reuse its buffer.
func (s *FileSet) Add(rel string, data []byte) error {
	if err := checkName(rel); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	f := setFile{rel: rel, size: int64(len(data)), sum: sha256.Sum256(data)}
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return fmt.Errorf("%s: file %q added after the set was finished", s.name, rel)
	}
	if _, dup := s.files[rel]; dup {
		s.mu.Unlock()
		return fmt.Errorf("%s: file %q added twice", s.name, rel)
	}
	if s.tmp == "" {
		stage, err := s.w.staging()
		if err == nil {
			s.tmp, err = os.MkdirTemp(stage, "set-")
		}
		if err != nil {
			s.mu.Unlock()
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	// Directories are made under the lock, each once; files are written outside it.
	if d := path.Dir(rel); d != "." && !s.dirs[d] {
		if err := os.MkdirAll(filepath.Join(s.tmp, filepath.FromSlash(d)), 0o755); err != nil {
			s.mu.Unlock()
			return fmt.Errorf("%s: %w", s.name, err)
		}
		s.dirs[d] = true
	}
	s.files[rel] = f
	tmp := s.tmp
	s.mu.Unlock()
	if err := writeFile(filepath.Join(tmp, filepath.FromSlash(rel)), data); err != nil {
		return fmt.Errorf("%s: file %q: %w", s.name, rel, err)
	}
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
		s.mu.Lock()
		if s.tmp != "" && !s.finished {
			os.RemoveAll(s.tmp) // the files staged for a set that cannot be written
			s.files, s.finished = nil, true
		}
		s.mu.Unlock()
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
	tmp, level := s.tmp, s.smallLevel
	s.mu.Unlock()
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })

	index := setIndex(files)
	sum := sha256.Sum256(index)
	ws := writtenSet{sum: hex.EncodeToString(sum[:]), files: len(files)}
	ws.dir = s.name + "." + ws.sum[:16]
	ws.index = ws.dir + ".sha256"
	for _, f := range files {
		ws.bytes += f.size
		if z, _, ok := strings.Cut(f.rel, "/"); ok {
			if _, err := strconv.Atoi(z); err == nil {
				if ws.perZoom == nil {
					ws.perZoom = map[string]manifest.ZoomStat{}
				}
				st := ws.perZoom[z]
				st.Files++
				st.Bytes += f.size
				ws.perZoom[z] = st
			}
		}
	}

	final := filepath.Join(s.w.opts.OutDir, filepath.FromSlash(ws.dir))
	if fi, err := os.Stat(final); err == nil && fi.IsDir() && setComplete(final, files) {
		// The directory is only ever renamed into place whole, so it is
		// complete unless something removed files from it (a prune that died
		// half-way); the stat per file above checks.
		ws.encodings = setVariants(final, files)
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	} else if err == nil && fi.IsDir() {
		// An incomplete directory (prune leaves files it did not write, so a
		// dead set's directory may stay with only those): the set is staged
		// whole and its missing files moved in, none replaced.
		stage, err := s.w.staging()
		if err != nil {
			return writtenSet{}, err
		}
		whole := filepath.Join(stage, "fill-"+ws.sum[:16])
		if _, err := s.w.stageSet(whole, tmp, files, level); err != nil {
			return writtenSet{}, fmt.Errorf("file set %q: %w", s.name, err)
		}
		if err := fillDir(whole, final); err != nil {
			return writtenSet{}, fmt.Errorf("file set %q: %w", s.name, err)
		}
		os.RemoveAll(whole)
		ws.encodings = setVariants(final, files)
	} else {
		encs, err := s.w.stageSet(final, tmp, files, level)
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

// setComplete reports whether dir holds every file of the set, each a regular
// file of its size.
func setComplete(dir string, files []setFile) bool {
	for _, f := range files {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.rel)))
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != f.size {
			return false
		}
	}
	return true
}

// fillDir moves every file below src that dst lacks to the same place in dst
// (each a single rename, complete); a file dst has is left as it is.
func fillDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if _, err := os.Lstat(to); err == nil {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return os.Rename(p, to)
	})
}

// setVariants reads back which encodings an existing set carries, decided as
// stageSet decides them (SetCodecs only, each kept when the set's variants
// together are at least a tenth smaller), so that a set directory left by an
// older bake with another policy (.gz or .zst beside every file) yields the
// same manifest as a fresh bake: variants outside the policy stay on disk,
// named only by the older manifests that listed them (verify counts them as
// retained, prune retires them).
func setVariants(dir string, files []setFile) []string {
	var encs []string
	if len(files) == 0 {
		return nil
	}
	var orig int64
	for _, f := range files {
		orig += f.size
	}
codecs:
	for _, c := range SetCodecs {
		var total int64
		for _, f := range files {
			fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.rel)) + c.Suffix)
			if err != nil || !fi.Mode().IsRegular() {
				continue codecs
			}
			total += fi.Size()
		}
		if worthIt(total, orig) {
			encs = append(encs, c.Name)
		}
	}
	return encs
}

// stageSet adds the variants to the files Add staged in tmp ("" for an empty
// set), small files' brotli at quality smallLevel, then renames tmp to final
// in one step. A set gets SetCodecs only (see
// Codecs). An encoding is kept when it makes the set as a whole at least a
// tenth smaller, and then sits beside every file (a few tiny files may get a
// variant a few bytes larger than the original), so a client or an upload
// script can rely on "every file has every listed encoding".
func (w *Writer) stageSet(final, tmp string, files []setFile, smallLevel int) ([]string, error) {
	if tmp == "" {
		stage, err := w.staging()
		if err != nil {
			return nil, err
		}
		if tmp, err = os.MkdirTemp(stage, "set-"); err != nil {
			return nil, err
		}
	}
	defer os.RemoveAll(tmp) // gone once renamed; leftovers after a failure
	compress := len(files) > 0
	for _, f := range files {
		compress = compress && Compressible(f.rel)
	}
	// Each file is read back (from the page cache: Add wrote it moments ago)
	// and compressed; the rare encoding that does not pay for the set is
	// removed afterwards.
	sizes := make([][]int64, len(files)) // per file, per codec
	var orig int64
	for _, f := range files {
		orig += f.size
	}
	if compress {
		err := w.parallel(len(files), func(i int) error {
			p := filepath.Join(tmp, filepath.FromSlash(files[i].rel))
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sizes[i] = make([]int64, len(SetCodecs))
			for c, codec := range SetCodecs {
				z, err := compressSmall(codec.Name, data, smallLevel)
				if err != nil {
					return fmt.Errorf("%s %s: %w", files[i].rel, codec.Name, err)
				}
				if err := writeFile(p+codec.Suffix, z); err != nil {
					return err
				}
				sizes[i][c] = int64(len(z))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	keep := make([]bool, len(SetCodecs))
	var encs []string
	if compress {
		total := make([]int64, len(SetCodecs))
		for i := range files {
			for c := range SetCodecs {
				total[c] += sizes[i][c]
			}
		}
		for c, codec := range SetCodecs {
			if keep[c] = worthIt(total[c], orig); keep[c] {
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
	return ss, s.w.addShardSet(name, ss)
}
