package bake

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/prebake/prebake/internal/changes"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// writeChangelog writes changes/latest.json: the changelog of what w has
// written against the manifest this bake replaces (the one at
// cfg.ManifestPath, the manifest in force, which the writer's history also
// holds), read through that bake's own cmu/components table in cfg.OutDir.
//
//   - No manifest there: the first bake. The changelog lists nothing, with
//     old_build_id null and against_nothing true.
//   - The manifest there cannot be read, or its components table is gone
//     (pruned, or a bake older than the table): the same, with a note saying
//     why; the bake goes on (the changelog describes it, it does not gate it).
//   - The manifest there has this bake's build_id (same data, a rebake): its
//     changelog is kept as it is, so that rebaking the same data rewrites
//     nothing. (BuildID leaves the changelog out, see writer.BuildID.)
func writeChangelog(cfg Config, w *writer.Writer) error {
	pending := w.Pending()
	log, keep, err := changelogAgainst(cfg, pending)
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
// manifest in force; keep is that manifest's own changelog bytes when it has
// pending's build_id. The new components table is read only when there is a
// bake to compare with.
func changelogAgainst(cfg Config, pending *manifest.Manifest) (_ *changes.Changelog, keep []byte, _ error) {
	nothing := func(note string) (*changes.Changelog, []byte, error) {
		regions, err := changes.LoadRegions(pending, changes.DirReader(cfg.OutDir))
		if err != nil {
			return nil, nil, err
		}
		return changes.AgainstNothing(pending.BuildID, note, regions), nil, nil
	}
	if cfg.ManifestPath == "" {
		return nothing("no manifest path: nothing to compare with")
	}
	prev, err := manifest.Load(cfg.ManifestPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nothing("the first bake: no manifest in force to compare with")
	}
	if err != nil {
		return nothing("the manifest in force cannot be read: " + err.Error())
	}
	if prev.BuildID == pending.BuildID {
		if a, ok := prev.Assets[changes.LatestAsset]; ok {
			if data, err := os.ReadFile(filepath.Join(cfg.OutDir, filepath.FromSlash(a.Path))); err == nil {
				return nil, data, nil
			}
		}
	}
	a, ok := prev.Assets[changes.ComponentsAsset]
	if !ok {
		return nothing(fmt.Sprintf("the manifest in force (build %s) has no %s to compare with", prev.BuildID, changes.ComponentsAsset))
	}
	na, ok := pending.Assets[changes.ComponentsAsset]
	if !ok {
		return nil, nil, fmt.Errorf("the bake wrote no %s", changes.ComponentsAsset)
	}
	// The two bakes' components and regions are read at once: the changelog
	// is on the path of every bake after the generators, with nothing else
	// to run beside it. A rebake that reused the boundaries names the same
	// boundary files in both: they are parsed once.
	read := func(asset manifest.Asset) func() ([]changes.Component, error) {
		return func() ([]changes.Component, error) {
			return changes.ReadComponentsFile(filepath.Join(cfg.OutDir, filepath.FromSlash(asset.Path)))
		}
	}
	regions := func(m *manifest.Manifest) func() (*changes.Regions, error) {
		return func() (*changes.Regions, error) { return changes.LoadRegions(m, changes.DirReader(cfg.OutDir)) }
	}
	oldComps, newComps := goValue(read(a)), goValue(read(na))
	newRegions := goValue(regions(pending))
	oldRegions := newRegions
	if prev.Assets[changes.BoundariesIndex].SHA256 != pending.Assets[changes.BoundariesIndex].SHA256 {
		oldRegions = goValue(regions(prev))
	}
	old, err := snapshot(prev.BuildID, oldComps, oldRegions)
	if err != nil {
		return nothing(fmt.Sprintf("the bake in force (build %s) cannot be read from the output directory: %v", prev.BuildID, err))
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
