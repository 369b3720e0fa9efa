package writer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prebake/prebake/internal/atomicfile"
	"github.com/prebake/prebake/manifest"
)

// Commit writes the manifest to manifestPath, last. It fills m's schema_version,
// generator (when empty), build_id, created (from SOURCE_DATE_EPOCH when set, else
// now), base_url (when empty) and the assets, tile sets and shard sets written
// through w (merged with any m already holds). Everything the manifest names is
// flushed to disk first; the manifest replaces the old one in a single rename,
// and a copy goes to the history prune reads, numbered in commit order
// (HistoryName). Commit removes the staging
// directory.
func (w *Writer) Commit(manifestPath string, m manifest.Manifest) error {
	if manifestPath == "" {
		return fmt.Errorf("commit: no manifest path")
	}
	if err := w.fill(&m); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	data, err := Marshal(&m)
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	// Re-check before the manifest names them: a file removed since it was
	// placed (a prune or a hand that ignored the lock) must fail the build, not
	// publish a manifest naming a missing file.
	if err := CheckPresent(&m, w.opts.OutDir); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if err := syncFS(w.opts.OutDir); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	// The history records the order of commits: the entry gets the next
	// sequence number unless the newest entry is this very manifest (a rebuild
	// with nothing changed). The bake holds the output directory's Lock, so no
	// other commit takes the same number.
	hist, err := ReadHistory(w.opts.OutDir)
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if len(hist) == 0 || !sameContent(filepath.Join(HistoryDir(w.opts.OutDir), hist[0].Name), data) {
		p := filepath.Join(HistoryDir(w.opts.OutDir), HistoryName(NextSeq(hist), &m))
		if err := atomicfile.Write(p, data); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
	}
	if !sameContent(manifestPath, data) {
		if err := atomicfile.Write(manifestPath, data); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
	}
	return w.Close()
}

// CheckPresent checks that every file m names is in outDir: each asset (with
// its size) and pre-compressed variant, each set's index, and every file the
// index lists with the set's variants. It reads no content (verify does), so it
// costs a stat per file. The error names the first file missing and how many are.
func CheckPresent(m *manifest.Manifest, outDir string) error {
	if missing := notInPlace(m, outDir); len(missing) > 0 {
		return fmt.Errorf("%d file(s) the manifest would name are missing from %s (removed during the build?), first %s", len(missing), outDir, missing[0])
	}
	return nil
}

// notInPlace lists the files CheckPresent checks that are missing or not of
// their size, sorted by asset and set name.
func notInPlace(m *manifest.Manifest, outDir string) []string {
	var missing []string
	check := func(rel string, size int64) {
		fi, err := os.Stat(filepath.Join(outDir, filepath.FromSlash(rel)))
		if err != nil || fi.IsDir() || (size >= 0 && fi.Size() != size) {
			missing = append(missing, rel)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(m.Assets)) {
		a := m.Assets[n]
		check(a.Path, a.Size)
		for _, c := range slices.Sorted(maps.Keys(a.Encodings)) {
			check(a.Encodings[c].Path, a.Encodings[c].Size)
		}
	}
	set := func(dir, index string, encodings []string) {
		if index == "" {
			check(dir, -1) // a set written as one file (PMTiles)
			return
		}
		check(index, -1)
		data, err := os.ReadFile(filepath.Join(outDir, filepath.FromSlash(index)))
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			if line == "" {
				continue // the end, or an empty set
			}
			_, name, ok := strings.Cut(line, "  ")
			if !ok {
				missing = append(missing, index+" (malformed)")
				return
			}
			rel := dir + "/" + name
			check(rel, -1)
			// A set's encodings sit beside every one of its files.
			for _, c := range Codecs {
				if slices.Contains(encodings, c.Name) {
					check(rel+c.Suffix, -1)
				}
			}
		}
	}
	for _, n := range slices.Sorted(maps.Keys(m.TileSets)) {
		t := m.TileSets[n]
		set(t.Path, t.Index, t.Encodings)
	}
	for _, n := range slices.Sorted(maps.Keys(m.ShardSets)) {
		s := m.ShardSets[n]
		set(s.Path, s.Index, s.Encodings)
	}
	return missing
}

func (w *Writer) fill(m *manifest.Manifest) error {
	m.SchemaVersion = manifest.SchemaVersion
	if m.Generator.Name == "" {
		m.Generator.Name = "prebake"
	}
	if m.Generator.Version == "" {
		m.Generator.Version = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			m.Generator.Version = bi.Main.Version
		}
	}
	if m.BaseURL == "" {
		m.BaseURL = w.opts.BaseURL
	}
	if m.Created == "" {
		created, err := Created()
		if err != nil {
			return err
		}
		m.Created = created
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if m.Assets == nil {
		m.Assets = map[string]manifest.Asset{}
	}
	if m.TileSets == nil {
		m.TileSets = map[string]manifest.TileSet{}
	}
	if m.ShardSets == nil {
		m.ShardSets = map[string]manifest.ShardSet{}
	}
	if m.Sources == nil {
		m.Sources = []manifest.Source{}
	}
	for n, a := range w.assets {
		if _, dup := m.Assets[n]; dup {
			return fmt.Errorf("asset %q given twice", n)
		}
		m.Assets[n] = a
	}
	for n, t := range w.tilesets {
		if _, dup := m.TileSets[n]; dup {
			return fmt.Errorf("tile set %q given twice", n)
		}
		// TileJSON wants "fields" to be an object, never null.
		if len(t.TileJSON.VectorLayers) > 0 {
			layers := append([]manifest.VectorLayer(nil), t.TileJSON.VectorLayers...)
			for i := range layers {
				if layers[i].Fields == nil {
					layers[i].Fields = map[string]string{}
				}
			}
			t.TileJSON.VectorLayers = layers
		}
		m.TileSets[n] = t
	}
	for n, s := range w.shardsets {
		if _, dup := m.ShardSets[n]; dup {
			return fmt.Errorf("shard set %q given twice", n)
		}
		m.ShardSets[n] = s
	}
	sort.SliceStable(m.Sources, func(i, j int) bool {
		a, b := m.Sources[i], m.Sources[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Path < b.Path
	})
	m.BuildID = BuildID(m)
	return m.Validate()
}

// Created is the manifest's creation time: SOURCE_DATE_EPOCH (seconds since
// 1970, see reproducible-builds.org) when set, else now; RFC 3339 in UTC.
func Created() (string, error) {
	if s, ok := os.LookupEnv("SOURCE_DATE_EPOCH"); ok && s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return "", fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a non-negative whole number of seconds", s)
		}
		return time.Unix(n, 0).UTC().Format(time.RFC3339), nil
	}
	return time.Now().UTC().Format(time.RFC3339), nil
}

// BuildID hashes what the manifest names: each asset's, tile set's and shard
// set's name, path and SHA-256. Same content, same build_id, whatever the time,
// base URL or sources' paths. Assets under ChangesDir are left out: the
// changelog names this build_id (and the previous one), so it cannot be part
// of it, and a rebake of the same data keeps its build_id whatever it was
// compared with.
func BuildID(m *manifest.Manifest) string {
	h := sha256.New()
	for _, n := range slices.Sorted(maps.Keys(m.Assets)) {
		if strings.HasPrefix(n, ChangesDir) {
			continue
		}
		a := m.Assets[n]
		fmt.Fprintf(h, "asset\x00%s\x00%s\x00%s\n", n, a.Path, a.SHA256)
	}
	for _, n := range slices.Sorted(maps.Keys(m.TileSets)) {
		t := m.TileSets[n]
		fmt.Fprintf(h, "tileset\x00%s\x00%s\x00%s\n", n, t.Path, t.SHA256)
	}
	for _, n := range slices.Sorted(maps.Keys(m.ShardSets)) {
		s := m.ShardSets[n]
		fmt.Fprintf(h, "shardset\x00%s\x00%s\x00%s\n", n, s.Path, s.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ChangesDir is the logical directory of the changelog assets
// (changes/latest.json), which BuildID leaves out.
const ChangesDir = "changes/"

// Pending is the manifest of what w has written so far (assets, tile sets and
// shard sets, no other field), and its build_id as Commit will compute it:
// what a stage run after the generators (the changelog) reads.
func (w *Writer) Pending() *manifest.Manifest {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := &manifest.Manifest{Assets: maps.Clone(w.assets), TileSets: maps.Clone(w.tilesets), ShardSets: maps.Clone(w.shardsets)}
	m.BuildID = BuildID(m)
	return m
}

// Marshal encodes m as prebake writes it: keys of every map sorted, two-space
// indent, no HTML escaping, a trailing newline.
func Marshal(m *manifest.Manifest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
