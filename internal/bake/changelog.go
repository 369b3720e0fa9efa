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

func loadSnapshot(m *manifest.Manifest, a manifest.Asset, outDir string) (*changes.Snapshot, error) {
	comps, err := changes.ReadComponentsFile(filepath.Join(outDir, filepath.FromSlash(a.Path)))
	if err != nil {
		return nil, err
	}
	regions, err := changes.LoadRegions(m, changes.DirReader(outDir))
	if err != nil {
		return nil, err
	}
	return &changes.Snapshot{BuildID: m.BuildID, Components: comps, Regions: regions}, nil
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
	// The two bakes are read at once: the changelog is on the path of every
	// bake after the generators, with nothing else to run beside it.
	var old, nw *changes.Snapshot
	var oldErr, newErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		old, oldErr = loadSnapshot(prev, a, cfg.OutDir)
	}()
	nw, newErr = loadSnapshot(pending, na, cfg.OutDir)
	<-done
	if oldErr != nil {
		return nothing(fmt.Sprintf("the bake in force (build %s) cannot be read from the output directory: %v", prev.BuildID, oldErr))
	}
	if newErr != nil {
		return nil, nil, newErr
	}
	return changes.Compare(old, nw), nil, nil
}
