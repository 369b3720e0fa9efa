// Package verify checks an output directory against its manifest: every file the
// manifest names is re-hashed and measured, every pre-compressed variant decoded
// and compared with its original, and every file in a content-addressed set
// directory accounted for.
package verify

import (
	"bufio"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// Problem kinds.
const (
	Missing    = "missing"    // a named file is absent
	Corrupt    = "corrupt"    // wrong hash, size or integrity
	BadVariant = "variant"    // a variant that does not decode to its original
	Unexpected = "unexpected" // a file in a set directory that is not in the set
	BadSet     = "set"        // a set's index or totals disagree with the manifest
	Invalid    = "invalid"    // the manifest itself is unusable
)

// Problem is one thing wrong with the output.
type Problem struct {
	Kind   string `json:"kind"`
	Path   string `json:"path"`   // relative to the output directory
	Owner  string `json:"owner"`  // "asset cmu/components.parquet", "tileset DSR", ...
	Detail string `json:"detail"` // what was expected and found
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s (%s): %s", p.Kind, p.Path, p.Owner, p.Detail)
}

// Report is the outcome of a check.
type Report struct {
	BuildID string `json:"build_id"`
	OutDir  string `json:"out_dir"`
	Files   int    `json:"files"` // files read, originals and variants
	Bytes   int64  `json:"bytes"` // bytes read
	// Retained counts the variant files in set directories that the manifest
	// does not list but an older manifest in the output directory's history
	// does: a set directory is content-addressed by its originals, so a bake
	// that makes the same set again reuses the directory whole, variants of
	// encodings it no longer writes (the .zst ones) included. They stay while a
	// kept history manifest names them, as prune keeps them, and prune removes
	// them once none does. They are accepted, not decoded.
	Retained int       `json:"retained"`
	Problems []Problem `json:"problems"`
}

// OK reports whether the check found no problem.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Options tune a check.
type Options struct {
	Workers int // files checked at once; 0 means GOMAXPROCS
}

// File loads the manifest at manifestPath and checks outDir against it. An
// unreadable manifest is an error; everything else is a Problem in the report.
func File(manifestPath, outDir string, opts Options) (*Report, error) {
	m, err := manifest.Load(manifestPath)
	if err != nil {
		return nil, err
	}
	return Check(m, outDir, opts), nil
}

// checker gathers results from parallel jobs.
type checker struct {
	out      string
	mu       sync.Mutex
	files    int
	bytes    int64
	retained int
	problems []Problem
	post     []func() // checks that need every job done

	// historyEncs holds, per set directory, the encodings the manifests in the
	// output directory's history list for it.
	historyEncs map[string][]string
}

func (c *checker) problem(kind, path, owner, format string, args ...any) {
	c.mu.Lock()
	c.problems = append(c.problems, Problem{kind, path, owner, fmt.Sprintf(format, args...)})
	c.mu.Unlock()
}

func (c *checker) read(n int64) {
	c.mu.Lock()
	c.files++
	c.bytes += n
	c.mu.Unlock()
}

func (c *checker) abs(rel string) string { return filepath.Join(c.out, filepath.FromSlash(rel)) }

// Check verifies outDir against m.
func Check(m *manifest.Manifest, outDir string, opts Options) *Report {
	c := &checker{out: outDir}
	if err := m.Validate(); err != nil {
		c.problem(Invalid, "", "manifest", "%v", err)
		return c.report(m)
	}
	c.loadHistory()
	var jobs []func()
	for _, name := range slices.Sorted(maps.Keys(m.Assets)) {
		a := m.Assets[name]
		jobs = append(jobs, func() { c.asset("asset "+name, a) })
	}
	for _, name := range slices.Sorted(maps.Keys(m.TileSets)) {
		ts := m.TileSets[name]
		owner := "tileset " + name
		if ts.Index == "" {
			// A tile set written as one asset (PMTiles): the asset check hashes it.
			jobs = append(jobs, func() { c.exists(owner, ts.Path) })
			continue
		}
		jobs = append(jobs, c.set(owner, ts.Path, ts.Index, ts.SHA256, ts.Files, ts.Bytes, ts.Encodings, ts.PerZoom)...)
	}
	for _, name := range slices.Sorted(maps.Keys(m.ShardSets)) {
		ss := m.ShardSets[name]
		owner := "shardset " + name
		if ss.Index == "" {
			jobs = append(jobs, func() { c.exists(owner, ss.Path) })
			continue
		}
		jobs = append(jobs, c.set(owner, ss.Path, ss.Index, ss.SHA256, ss.Files, ss.Bytes, ss.Encodings, nil)...)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan func())
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range next {
				job()
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	for _, f := range c.post {
		f()
	}
	return c.report(m)
}

func (c *checker) report(m *manifest.Manifest) *Report {
	sort.Slice(c.problems, func(i, j int) bool {
		a, b := c.problems[i], c.problems[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Detail < b.Detail
	})
	if c.problems == nil {
		c.problems = []Problem{}
	}
	return &Report{BuildID: m.BuildID, OutDir: c.out, Files: c.files, Bytes: c.bytes, Retained: c.retained, Problems: c.problems}
}

// loadHistory reads the manifests writer.Commit keeps in the output directory
// (those prune has not removed) for the encodings each lists per set directory.
// An unreadable entry is a problem: prune refuses to run past it too.
func (c *checker) loadHistory() {
	c.historyEncs = map[string][]string{}
	hist := writer.HistoryDir(c.out)
	entries, err := os.ReadDir(hist)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.problem(Invalid, writer.StateDir, "manifest history", "%v", unwrapPath(err))
		}
		return
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		m, err := manifest.Load(filepath.Join(hist, e.Name()))
		if err == nil {
			err = m.Validate()
		}
		if err != nil {
			rel, _ := filepath.Rel(c.out, filepath.Join(hist, e.Name()))
			c.problem(Invalid, filepath.ToSlash(rel), "manifest history", "%v", unwrapPath(err))
			continue
		}
		add := func(dir, index string, encs []string) {
			if index == "" {
				return
			}
			for _, enc := range encs {
				if !slices.Contains(c.historyEncs[dir], enc) {
					c.historyEncs[dir] = append(c.historyEncs[dir], enc)
				}
			}
		}
		for _, ts := range m.TileSets {
			add(ts.Path, ts.Index, ts.Encodings)
		}
		for _, ss := range m.ShardSets {
			add(ss.Path, ss.Index, ss.Encodings)
		}
	}
}

func (c *checker) exists(owner, rel string) {
	if rel == "" {
		return
	}
	if _, err := os.Stat(c.abs(rel)); err != nil {
		c.problem(Missing, rel, owner, "%v", unwrapPath(err))
	}
}

// hashFile streams a file through the given hashes and returns its size.
func (c *checker) hashFile(owner, rel string, hs ...hash.Hash) (int64, bool) {
	f, err := os.Open(c.abs(rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			c.problem(Missing, rel, owner, "file is absent")
		} else {
			c.problem(Corrupt, rel, owner, "%v", unwrapPath(err))
		}
		return 0, false
	}
	defer f.Close()
	ws := make([]io.Writer, len(hs))
	for i, h := range hs {
		ws[i] = h
	}
	n, err := io.Copy(io.MultiWriter(ws...), f)
	if err != nil {
		c.problem(Corrupt, rel, owner, "read: %v", unwrapPath(err))
		return n, false
	}
	c.read(n)
	return n, true
}

func (c *checker) asset(owner string, a manifest.Asset) {
	h256, h384 := sha256.New(), sha512.New384()
	n, ok := c.hashFile(owner, a.Path, h256, h384)
	if ok {
		if n != a.Size {
			c.problem(Corrupt, a.Path, owner, "size %d, manifest says %d", n, a.Size)
		}
		if got := hex.EncodeToString(h256.Sum(nil)); got != a.SHA256 {
			c.problem(Corrupt, a.Path, owner, "sha256 %s, manifest says %s", got, a.SHA256)
		}
		if a.Integrity != "" {
			if got := "sha384-" + base64.StdEncoding.EncodeToString(h384.Sum(nil)); got != a.Integrity {
				c.problem(Corrupt, a.Path, owner, "integrity %s, manifest says %s", got, a.Integrity)
			}
		}
	}
	for _, enc := range slices.Sorted(maps.Keys(a.Encodings)) {
		e := a.Encodings[enc]
		c.variant(owner, enc, e.Path, e.Size, a.SHA256, a.Size)
	}
}

// variant checks that the file at rel has size (when size >= 0) and decodes with
// enc to wantSize bytes hashing to wantSum.
func (c *checker) variant(owner, enc, rel string, size int64, wantSum string, wantSize int64) {
	f, err := os.Open(c.abs(rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			c.problem(Missing, rel, owner, "%s variant is absent", enc)
		} else {
			c.problem(Corrupt, rel, owner, "%v", unwrapPath(err))
		}
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		c.problem(Corrupt, rel, owner, "%v", unwrapPath(err))
		return
	}
	if size >= 0 && fi.Size() != size {
		c.problem(Corrupt, rel, owner, "%s variant size %d, manifest says %d", enc, fi.Size(), size)
	}
	c.read(fi.Size())
	dec, err := writer.NewDecoder(enc, bufio.NewReader(f))
	if err != nil {
		c.problem(BadVariant, rel, owner, "%s variant does not decode: %v", enc, err)
		return
	}
	defer dec.Close()
	h := sha256.New()
	n, err := io.Copy(h, dec)
	if err != nil {
		c.problem(BadVariant, rel, owner, "%s variant does not decode: %v", enc, err)
		return
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != wantSize || got != wantSum {
		c.problem(BadVariant, rel, owner, "%s variant decodes to %d bytes with sha256 %s, not the original's %d bytes with %s", enc, n, got[:16], wantSize, wantSum[:16])
	}
}

// set checks a content-addressed set: its index against the manifest, then
// returns jobs that check each file, and looks for files that are not in it.
func (c *checker) set(owner, dir, index, sum string, files int, total int64, encs []string, perZoom map[string]manifest.ZoomStat) []func() {
	data, err := os.ReadFile(c.abs(index))
	if err != nil {
		c.problem(Missing, index, owner, "set index: %v", unwrapPath(err))
		return nil
	}
	c.read(int64(len(data)))
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sum {
		c.problem(BadSet, index, owner, "index sha256 %x, manifest says %s", got[:8], sum)
		return nil
	}
	entries, err := manifest.ParseIndex(data)
	if err != nil {
		c.problem(BadSet, index, owner, "%v", err)
		return nil
	}
	if len(entries) != files {
		c.problem(BadSet, dir, owner, "index lists %d files, manifest says %d", len(entries), files)
	}
	var sizes sync.Map // rel -> int64, for the totals
	jobs := []func(){}
	for _, e := range entries {
		jobs = append(jobs, func() {
			rel := dir + "/" + e.Path
			h := sha256.New()
			n, ok := c.hashFile(owner, rel, h)
			if !ok {
				return
			}
			sizes.Store(e.Path, n)
			got := hex.EncodeToString(h.Sum(nil))
			if got != e.SHA256 {
				c.problem(Corrupt, rel, owner, "sha256 %s, index says %s", got, e.SHA256)
			}
			for _, enc := range encs {
				c.variant(owner, enc, rel+manifest.EncodingSuffixes[enc], -1, e.SHA256, n)
			}
		})
	}
	jobs = append(jobs, func() { c.unexpected(owner, dir, entries, encs) })
	// Totals need every file's size, so they are checked after all jobs.
	c.post = append(c.post, func() {
		var bytes int64
		zooms := map[string]manifest.ZoomStat{}
		measured := 0
		sizes.Range(func(k, v any) bool {
			measured++
			bytes += v.(int64)
			if z, _, ok := strings.Cut(k.(string), "/"); ok {
				if _, err := strconv.Atoi(z); err == nil {
					st := zooms[z]
					st.Files++
					st.Bytes += v.(int64)
					zooms[z] = st
				}
			}
			return true
		})
		if measured < len(entries) {
			return // missing files are reported already; totals would only repeat it
		}
		if bytes != total {
			c.problem(BadSet, dir, owner, "files total %d bytes, manifest says %d", bytes, total)
		}
		if perZoom != nil {
			for _, z := range slices.Sorted(maps.Keys(zooms)) {
				if zooms[z] != perZoom[z] {
					c.problem(BadSet, dir, owner, "zoom %s has %d files, %d bytes; manifest says %d, %d", z, zooms[z].Files, zooms[z].Bytes, perZoom[z].Files, perZoom[z].Bytes)
				}
			}
			for _, z := range slices.Sorted(maps.Keys(perZoom)) {
				if _, ok := zooms[z]; !ok {
					c.problem(BadSet, dir, owner, "manifest counts zoom %s, the set has no files there", z)
				}
			}
		}
	})
	return jobs
}

// unexpected walks a set directory for files that are neither in the index nor
// a listed variant of one, nor a variant a history manifest lists for the set
// (counted as retained).
func (c *checker) unexpected(owner, dir string, entries []manifest.IndexEntry, encs []string) {
	want := make(map[string]bool, len(entries)*(1+len(encs)))
	retained := map[string]bool{}
	for _, e := range entries {
		want[e.Path] = true
		for _, enc := range encs {
			want[e.Path+manifest.EncodingSuffixes[enc]] = true
		}
		for _, enc := range c.historyEncs[dir] {
			if suffix, ok := manifest.EncodingSuffixes[enc]; ok && !want[e.Path+suffix] {
				retained[e.Path+suffix] = true
			}
		}
	}
	root := c.abs(dir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			c.problem(Unexpected, dir+"/"+rel, owner, "not a regular file (%s)", d.Type())
		} else if retained[rel] && !want[rel] {
			c.mu.Lock()
			c.retained++
			c.mu.Unlock()
		} else if !want[rel] {
			c.problem(Unexpected, dir+"/"+rel, owner, "file is not in the set")
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.problem(Corrupt, dir, owner, "scan: %v", unwrapPath(err))
	} else if errors.Is(err, fs.ErrNotExist) {
		c.problem(Missing, dir, owner, "set directory is absent")
	}
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
