package bake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/prebake/prebake/internal/changes"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// inForce is the bake a new bake replaces, as the changelog reads it: its
// manifest, why there is nothing to compare with (note, when there is not),
// and its components and regions.
type inForce struct {
	m          *manifest.Manifest
	note       string
	components func() ([]changes.Component, error)
	regions    func() (*changes.Regions, error)
	wait       func() // returns once no early read is running: a bake that fails leaves nothing running
}

// prefetchMaxBytes is the largest components table of the bake in force that
// readInForce reads while the generators run: a larger one (a register of
// hundreds of thousands of components) is read after them, when their
// working memory is free, so that it does not add to the bake's peak.
var prefetchMaxBytes int64 = 32 << 20

// readInForce starts reading the bake in force (the manifest at
// cfg.ManifestPath, which the writer's history also holds, and its
// cmu/components table and boundary regions in cfg.OutDir) on goroutines of
// its own, so that the changelog, which needs it after the generators, finds
// it read.
//
// An early read takes only regular files that hold the bytes the manifest
// in force names (its SHA-256): what a read after the generators would find
// there, since every file a manifest names is content-addressed and a bake
// only adds files. Any other file (missing, damaged, a FIFO that would block)
// the bake may yet write again under the same name: that read is made again
// after the generators, as the changelog always read it, so that the changelog
// is the same either way.
func readInForce(cfg Config) *inForce {
	none := func(f *inForce) *inForce { f.wait = func() {}; return f }
	if cfg.ManifestPath == "" {
		return none(&inForce{note: "no manifest path: nothing to compare with"})
	}
	prev, err := manifest.Load(cfg.ManifestPath)
	if errors.Is(err, fs.ErrNotExist) {
		return none(&inForce{note: "the first bake: no manifest in force to compare with"})
	}
	if err != nil {
		return none(&inForce{note: "the manifest in force cannot be read: " + err.Error()})
	}
	a, ok := prev.Assets[changes.ComponentsAsset]
	if !ok {
		return none(&inForce{m: prev, note: fmt.Sprintf("the manifest in force (build %s) has no %s to compare with", prev.BuildID, changes.ComponentsAsset)})
	}
	read := func() ([]changes.Component, error) {
		return changes.ReadComponentsFile(filepath.Join(cfg.OutDir, filepath.FromSlash(a.Path)))
	}
	regions := func() (*changes.Regions, error) { return changes.LoadRegions(prev, changes.DirReader(cfg.OutDir)) }
	if a.Size > prefetchMaxBytes {
		return none(&inForce{m: prev, components: later(read), regions: later(regions)})
	}
	checked := checkedReader(cfg.OutDir, prev)
	early := goValue(func() ([]changes.Component, error) {
		data, err := checked(a.Path)
		if err != nil {
			return nil, err
		}
		return changes.ReadComponents(bytes.NewReader(data))
	})
	earlyRegions := goValue(func() (*changes.Regions, error) { return changes.LoadRegions(prev, checked) })
	return &inForce{m: prev, components: orLater(early, read), regions: orLater(earlyRegions, regions),
		wait: func() { early(); earlyRegions() }}
}

// checkedReader reads a file of the bake m from outDir when it is a regular
// file holding the bytes m names (an asset's SHA-256); else it fails.
func checkedReader(outDir string, m *manifest.Manifest) changes.ReadFunc {
	sums := make(map[string]string, len(m.Assets))
	for _, a := range m.Assets {
		sums[a.Path] = a.SHA256
	}
	return func(rel string) ([]byte, error) {
		want, ok := sums[rel]
		if !ok {
			return nil, fmt.Errorf("%s: not an asset of the bake", rel)
		}
		p := filepath.Join(outDir, filepath.FromSlash(rel))
		if fi, err := os.Lstat(p); err != nil {
			return nil, err
		} else if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file", rel)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != want {
			return nil, fmt.Errorf("%s: not the bytes the manifest names", rel)
		}
		return data, nil
	}
}

// writeChangelog writes changes/latest.json: the changelog of what w has
// written against prev, the bake in force (readInForce).
//
//   - No manifest there: the first bake. The changelog lists nothing, with
//     old_build_id null and against_nothing true.
//   - The manifest there cannot be read, or its components table is gone
//     (pruned, or a bake older than the table): the same, with a note saying
//     why; the bake goes on (the changelog describes it, it does not gate it).
//   - The manifest there has this bake's build_id (same data, a rebake): its
//     changelog is kept as it is, so that rebaking the same data rewrites
//     nothing. (BuildID leaves the changelog out, see writer.BuildID.)
func writeChangelog(cfg Config, w *writer.Writer, prev *inForce) error {
	pending := w.Pending()
	log, keep, err := changelogAgainst(cfg, pending, prev)
	if err != nil {
		return fmt.Errorf("changelog: %w", err)
	}
	data := keep
	if data == nil {
		if data, err = log.Marshal(); err != nil {
			return fmt.Errorf("changelog: %w", err)
		}
	}
	_, err = w.WriteAsset(changes.LatestAsset, data, writer.Meta{ContentType: "application/json"})
	return err
}

// changelogAgainst compares the bake pending (what the writer holds) with the
// bake in force; keep is that bake's own changelog bytes when it has
// pending's build_id. The new components table is read only when there is a
// bake to compare with.
func changelogAgainst(cfg Config, pending *manifest.Manifest, prev *inForce) (_ *changes.Changelog, keep []byte, _ error) {
	nothing := func(note string) (*changes.Changelog, []byte, error) {
		regions, err := changes.LoadRegions(pending, changes.DirReader(cfg.OutDir))
		if err != nil {
			return nil, nil, err
		}
		return changes.AgainstNothing(pending.BuildID, note, regions), nil, nil
	}
	if prev.m != nil && prev.m.BuildID == pending.BuildID {
		if a, ok := prev.m.Assets[changes.LatestAsset]; ok {
			if data, err := os.ReadFile(filepath.Join(cfg.OutDir, filepath.FromSlash(a.Path))); err == nil {
				return nil, data, nil
			}
		}
	}
	if prev.components == nil {
		return nothing(prev.note)
	}
	na, ok := pending.Assets[changes.ComponentsAsset]
	if !ok {
		return nil, nil, fmt.Errorf("the bake wrote no %s", changes.ComponentsAsset)
	}
	// The new bake's components and regions are read at once. A bake that
	// names the same boundary files as the bake in force (the boundaries
	// reused) has its regions: they are parsed once.
	newComps := goValue(func() ([]changes.Component, error) {
		return changes.ReadComponentsFile(filepath.Join(cfg.OutDir, filepath.FromSlash(na.Path)))
	})
	newRegions := prev.regions
	if prev.m.Assets[changes.BoundariesIndex].SHA256 != pending.Assets[changes.BoundariesIndex].SHA256 {
		newRegions = goValue(func() (*changes.Regions, error) {
			return changes.LoadRegions(pending, changes.DirReader(cfg.OutDir))
		})
	}
	old, err := snapshot(prev.m.BuildID, prev.components, prev.regions)
	if err != nil {
		// Wait for the new bake's reads before returning: nothing is left running.
		newComps()
		newRegions()
		return nothing(fmt.Sprintf("the bake in force (build %s) cannot be read from the output directory: %v", prev.m.BuildID, err))
	}
	nw, err := snapshot(pending.BuildID, newComps, newRegions)
	if err != nil {
		return nil, nil, err
	}
	return changes.Compare(old, nw), nil, nil
}

// goValue runs f on a goroutine of its own and returns a function that waits
// for its result.
func goValue[T any](f func() (T, error)) func() (T, error) {
	var v T
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		v, err = f()
	}()
	return func() (T, error) {
		<-done
		return v, err
	}
}

// orLater is first's result, or when first failed, then's, asked for once.
func orLater[T any](first, then func() (T, error)) func() (T, error) {
	again := later(then)
	return func() (T, error) {
		if v, err := first(); err == nil {
			return v, nil
		}
		return again()
	}
}

// later is goValue's counterpart that runs f only when its result is first
// asked for, and once.
func later[T any](f func() (T, error)) func() (T, error) {
	var once sync.Once
	var v T
	var err error
	return func() (T, error) {
		once.Do(func() { v, err = f() })
		return v, err
	}
}

// snapshot is a bake's snapshot from its components and regions, each
// awaited.
func snapshot(buildID string, comps func() ([]changes.Component, error), regions func() (*changes.Regions, error)) (*changes.Snapshot, error) {
	c, err := comps()
	r, rerr := regions()
	if err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	return &changes.Snapshot{BuildID: buildID, Components: c, Regions: r}, nil
}
