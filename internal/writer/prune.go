package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/prebake/prebake/manifest"
)

// PruneOptions say what to keep.
type PruneOptions struct {
	OutDir       string // the output directory (default "output")
	ManifestPath string // the live manifest, always kept; "" for none
	Keep         int    // how many of the last builds committed to the history to keep (>= 1)
	DryRun       bool   // report, remove nothing
}

// PruneResult lists what prune removed (or would remove).
type PruneResult struct {
	KeptManifests    []string `json:"kept_manifests"`    // history entries kept, newest first
	RemovedManifests []string `json:"removed_manifests"` // history entries removed
	Removed          []string `json:"removed"`           // files removed, relative to OutDir
	RemovedBytes     int64    `json:"removed_bytes"`
	LeftAlone        []string `json:"left_alone"` // files no manifest of the history names: not prebake's
}

// contentAddressed matches a path segment carrying a content hash:
// "components.0123456789abcdef.parquet", "DSR.0123456789abcdef".
var contentAddressed = regexp.MustCompile(`\.[0-9a-f]{16,64}(\.|/|$)`)

// ContentAddressed reports whether a path (relative, forward slashes) is named
// as prebake names a file under a content hash, so that a server may cache it
// forever. It says nothing about who wrote the file: prune goes by the history
// (Named), never by this.
func ContentAddressed(rel string) bool { return contentAddressed.MatchString(rel) }

// Prune removes the files under OutDir that some manifest of the history named
// and that none of the newest Keep builds of the history (nor the live
// manifest) name, then the older history entries.
//
// The history is ordered by commit (HistoryName's sequence), so the newest
// builds are the last ones committed whatever their created time; a build
// committed again counts once, at its latest commit. A file is removed only
// when a manifest of the history named it (Named: assets, variants, set
// indexes and the files they list): anything else in OutDir — another tool's
// "app.0123456789abcdef0123.js", a hidden file, a file dropped into a set
// directory — is listed in LeftAlone and never removed, nor listed as removed
// by a dry run. Set indexes go after the files they list and history entries
// last, so a prune that dies half-way is finished by the next one. Staging
// directories of builds that died are removed too.
func Prune(opts PruneOptions) (*PruneResult, error) {
	if opts.Keep < 1 {
		return nil, fmt.Errorf("prune: --keep %d: keep at least 1 manifest", opts.Keep)
	}
	if opts.OutDir == "" {
		opts.OutDir = DefaultOutDir
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
	entries, err := ReadHistory(opts.OutDir)
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	keptEntries, removedEntries := KeepHistory(entries, opts.Keep)
	res := &PruneResult{KeptManifests: []string{}, RemovedManifests: []string{}, Removed: []string{}, LeftAlone: []string{}}
	load := func(e HistoryEntry) (*manifest.Manifest, error) {
		m, err := manifest.Load(filepath.Join(hist, e.Name))
		if err != nil {
			return nil, fmt.Errorf("prune: history entry: %w (remove it to prune past it)", err)
		}
		return m, nil
	}
	var kept, all []*manifest.Manifest
	for _, e := range keptEntries {
		m, err := load(e)
		if err != nil {
			return nil, err
		}
		kept = append(kept, m)
		res.KeptManifests = append(res.KeptManifests, e.Name)
	}
	all = append(all, kept...)
	for _, e := range removedEntries {
		m, err := load(e)
		if err != nil {
			return nil, err
		}
		all = append(all, m)
		res.RemovedManifests = append(res.RemovedManifests, e.Name)
	}
	if opts.ManifestPath != "" {
		m, err := manifest.Load(opts.ManifestPath)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("prune: %w", err)
		}
		if m != nil {
			kept = append(kept, m)
			all = append(all, m)
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("prune: no manifest in %s nor at %q: nothing says what to keep", hist, opts.ManifestPath)
	}
	root := opts.OutDir
	read := func(rel string) ([]byte, error) { return os.ReadFile(filepath.Join(root, filepath.FromSlash(rel))) }
	live, _ := Named(read, kept...)
	named, isIndex := Named(read, all...)

	var doomed, indexes []string
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
			if rel == StateDir {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case live[rel]:
		case !named[rel] || !d.Type().IsRegular(): // prebake writes no symlinks, FIFOs, ...
			res.LeftAlone = append(res.LeftAlone, rel)
		case isIndex[rel]:
			indexes = append(indexes, rel)
		default:
			doomed = append(doomed, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	doomed = append(doomed, indexes...)
	for _, rel := range doomed {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if fi, err := os.Lstat(p); err == nil {
			res.RemovedBytes += fi.Size()
		}
		res.Removed = append(res.Removed, rel)
	}
	if opts.DryRun {
		return res, nil
	}
	dirs := map[string]bool{}
	for _, rel := range doomed {
		if err := os.Remove(filepath.Join(root, filepath.FromSlash(rel))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("prune: %w", err)
		}
		for d := path.Dir(rel); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	// Deepest first, so a dead set directory goes once its files have; only
	// directories prune emptied, and only when empty.
	ds := slices.Sorted(maps.Keys(dirs))
	sort.SliceStable(ds, func(i, j int) bool { return strings.Count(ds[i], "/") > strings.Count(ds[j], "/") })
	for _, d := range ds {
		p := filepath.Join(root, filepath.FromSlash(d))
		if es, err := os.ReadDir(p); err == nil && len(es) == 0 {
			os.Remove(p)
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
