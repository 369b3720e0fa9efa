package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/prebake/prebake/manifest"
)

// PruneOptions say what to keep.
type PruneOptions struct {
	OutDir       string // the output directory (default "output")
	ManifestPath string // the live manifest, always kept; "" for none
	Keep         int    // how many of the newest manifests in the history to keep (>= 1)
	DryRun       bool   // report, remove nothing
}

// PruneResult lists what prune removed (or would remove).
type PruneResult struct {
	KeptManifests    []string `json:"kept_manifests"`    // history entries kept, newest first
	RemovedManifests []string `json:"removed_manifests"` // history entries removed
	Removed          []string `json:"removed"`           // files removed, relative to OutDir
	RemovedBytes     int64    `json:"removed_bytes"`
	LeftAlone        []string `json:"left_alone"` // files not written by prebake (no content hash in the name)
}

// contentAddressed matches a path segment carrying a content hash:
// "components.0123456789abcdef.parquet", "DSR.0123456789abcdef".
var contentAddressed = regexp.MustCompile(`\.[0-9a-f]{16,64}(\.|/|$)`)

// ContentAddressed reports whether a path (relative, forward slashes) names a
// file prebake wrote under a content hash, so that its content never changes:
// prune may remove it once unnamed, and a server may cache it forever.
func ContentAddressed(rel string) bool { return contentAddressed.MatchString(rel) }

// Live is what the manifests ms name: files (assets, their variants, the index of
// each set, a set written as one file) and dirs (the directory of each set with
// an index: everything below it belongs to the set). Paths are relative to the
// output directory, slash-separated.
func Live(ms ...*manifest.Manifest) (files, dirs map[string]bool) {
	files, dirs = map[string]bool{}, map[string]bool{}
	for _, m := range ms {
		for _, a := range m.Assets {
			files[a.Path] = true
			for _, e := range a.Encodings {
				files[e.Path] = true
			}
		}
		addSet := func(dir, index string) {
			if index == "" {
				files[dir] = true // a set written as one file
				return
			}
			dirs[dir] = true
			files[index] = true
		}
		for _, t := range m.TileSets {
			addSet(t.Path, t.Index)
		}
		for _, s := range m.ShardSets {
			addSet(s.Path, s.Index)
		}
	}
	return files, dirs
}

// Prune removes the files under OutDir that none of the newest Keep manifests in
// the history (nor the live manifest) name, and the older history entries.
// Only content-addressed files are removed (a segment of their path carries a
// hash, as prebake names them); anything else is reported and left alone, so an
// output directory shared with other files is safe. Staging directories of
// builds that died are removed too.
func Prune(opts PruneOptions) (*PruneResult, error) {
	if opts.Keep < 1 {
		return nil, fmt.Errorf("prune: --keep %d: keep at least 1 manifest", opts.Keep)
	}
	if opts.OutDir == "" {
		opts.OutDir = "output"
	}
	if _, err := os.Stat(opts.OutDir); err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	if !opts.DryRun {
		release, err := Lock(opts.OutDir, "prune")
		if err != nil {
			return nil, fmt.Errorf("prune: %w", err)
		}
		defer release()
	}
	hist := HistoryDir(opts.OutDir)
	entries, err := os.ReadDir(hist)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("prune: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	// Names start with the compact RFC 3339 creation time: newest last.
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	res := &PruneResult{KeptManifests: []string{}, RemovedManifests: []string{}, Removed: []string{}, LeftAlone: []string{}}
	var kept []*manifest.Manifest
	for i, n := range names {
		if i >= opts.Keep {
			res.RemovedManifests = append(res.RemovedManifests, n)
			continue
		}
		m, err := manifest.Load(filepath.Join(hist, n))
		if err != nil {
			return nil, fmt.Errorf("prune: history entry: %w (remove it to prune past it)", err)
		}
		kept = append(kept, m)
		res.KeptManifests = append(res.KeptManifests, n)
	}
	if opts.ManifestPath != "" {
		m, err := manifest.Load(opts.ManifestPath)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("prune: %w", err)
		}
		if m != nil {
			kept = append(kept, m)
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("prune: no manifest in %s nor at %q: nothing says what to keep", hist, opts.ManifestPath)
	}
	liveFiles, liveDirs := Live(kept...)

	root := opts.OutDir
	var dirs []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			if rel == StateDir || liveDirs[rel] {
				return fs.SkipDir
			}
			dirs = append(dirs, p)
			return nil
		}
		if liveFiles[rel] {
			return nil
		}
		if !ContentAddressed(rel) {
			res.LeftAlone = append(res.LeftAlone, rel)
			return nil
		}
		if fi, err := d.Info(); err == nil {
			res.RemovedBytes += fi.Size()
		}
		res.Removed = append(res.Removed, rel)
		if opts.DryRun {
			return nil
		}
		return os.Remove(p)
	})
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	stale, err := staleVariants(root, kept)
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	for _, rel := range stale {
		p := filepath.Join(root, filepath.FromSlash(rel))
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		res.RemovedBytes += fi.Size()
		res.Removed = append(res.Removed, rel)
		if !opts.DryRun {
			if err := os.Remove(p); err != nil {
				return nil, fmt.Errorf("prune: %w", err)
			}
		}
	}
	if opts.DryRun {
		return res, nil
	}
	// Deepest first, so a dead set directory goes once its files have.
	for i := len(dirs) - 1; i >= 0; i-- {
		if es, err := os.ReadDir(dirs[i]); err == nil && len(es) == 0 {
			os.Remove(dirs[i])
		}
	}
	for _, n := range res.RemovedManifests {
		if err := os.Remove(filepath.Join(hist, n)); err != nil {
			return nil, fmt.Errorf("prune: %w", err)
		}
	}
	if err := removeDeadStaging(opts.OutDir); err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	return res, nil
}

// staleVariants lists (relative to outDir, sorted) the variant files in the set
// directories the kept manifests name whose encoding none of them lists for
// that set. A set directory is content-addressed by its originals, so a bake
// that makes the same set again reuses the directory whole, with the variants
// of encodings it no longer writes (the .zst ones of bakes before zstd was
// dropped); once no kept manifest lists such an encoding, nothing reads them.
// Only a file that is an index entry's path plus the encoding's suffix, and not
// itself an entry, counts; a set whose index cannot be read is left alone.
func staleVariants(outDir string, kept []*manifest.Manifest) ([]string, error) {
	type set struct {
		index string
		encs  map[string]bool
	}
	sets := map[string]*set{}
	add := func(dir, index string, encs []string) {
		if index == "" {
			return
		}
		s := sets[dir]
		if s == nil {
			s = &set{index: index, encs: map[string]bool{}}
			sets[dir] = s
		}
		for _, e := range encs {
			s.encs[e] = true
		}
	}
	for _, m := range kept {
		for _, t := range m.TileSets {
			add(t.Path, t.Index, t.Encodings)
		}
		for _, s := range m.ShardSets {
			add(s.Path, s.Index, s.Encodings)
		}
	}
	var stale []string
	for dir, s := range sets {
		data, err := os.ReadFile(filepath.Join(outDir, filepath.FromSlash(s.index)))
		if err != nil {
			continue
		}
		entries, err := manifest.ParseIndex(data)
		if err != nil {
			continue
		}
		isEntry := make(map[string]bool, len(entries))
		for _, e := range entries {
			isEntry[e.Path] = true
		}
		for _, e := range entries {
			for _, c := range KnownCodecs {
				if s.encs[c.Name] || isEntry[e.Path+c.Suffix] {
					continue
				}
				rel := dir + "/" + e.Path + c.Suffix
				if _, err := os.Lstat(filepath.Join(outDir, filepath.FromSlash(rel))); err == nil {
					stale = append(stale, rel)
				} else if !errors.Is(err, fs.ErrNotExist) {
					return nil, err
				}
			}
		}
	}
	sort.Strings(stale)
	return stale, nil
}
