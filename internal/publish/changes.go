package publish

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"

	"github.com/prebake/prebake/internal/changes"
	"github.com/prebake/prebake/manifest"
)

// ChangesError is the refusal of the --max-changes guard: the bake changes a
// larger share of the components than allowed against the bucket's manifest
// (or that manifest's components cannot be read). Nothing was uploaded.
type ChangesError struct {
	Msg string
}

func (e *ChangesError) Error() string { return e.Msg }

// checkChanges is the data-level sibling of the bake's shrink guard: it
// compares the bake's components (its cmu/components table) with those of
// the manifest the bucket holds (GET manifest.json and its table) and refuses
// when more than opts.MaxChanges of the bucket's components are added,
// removed, changed or moved (changes.Summary.TouchedFraction). A bucket
// without a manifest.json passes: a first publish. It runs before any upload.
func (p *publisher) checkChanges(ctx context.Context, m *manifest.Manifest, oldManifest []byte) (*changes.Summary, error) {
	const hint = "; pass --allow-changes if this is intended"
	if oldManifest == nil {
		return nil, nil
	}
	live := p.opts.To.Key(ManifestKey)
	old, err := manifest.Parse(oldManifest)
	if err != nil {
		return nil, &ChangesError{fmt.Sprintf("publish: --max-changes: the bucket's %s cannot be read: %v%s", live, err, hint)}
	}
	oa, ok := old.Assets[changes.ComponentsAsset]
	if !ok {
		return nil, &ChangesError{fmt.Sprintf("publish: --max-changes: the bucket's %s (build %s) has no %s to compare with%s", live, old.BuildID, changes.ComponentsAsset, hint)}
	}
	data, err := p.get(ctx, oa.Path)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return nil, &ChangesError{fmt.Sprintf("publish: --max-changes: the bucket lacks %s, the components of its %s (build %s)%s", p.opts.To.Key(oa.Path), live, old.BuildID, hint)}
	}
	oldComps, err := changes.ReadComponents(bytes.NewReader(data))
	if err != nil {
		return nil, &ChangesError{fmt.Sprintf("publish: --max-changes: %s: %v%s", p.opts.To.Key(oa.Path), err, hint)}
	}
	na, ok := m.Assets[changes.ComponentsAsset]
	if !ok {
		return nil, &ChangesError{fmt.Sprintf("publish: --max-changes: the bake (build %s) has no %s%s", m.BuildID, changes.ComponentsAsset, hint)}
	}
	newComps, err := changes.ReadComponentsFile(filepath.Join(p.opts.OutDir, filepath.FromSlash(na.Path)))
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	c := changes.Compare(&changes.Snapshot{BuildID: old.BuildID, Components: oldComps}, &changes.Snapshot{BuildID: m.BuildID, Components: newComps})
	s := c.Summary
	if s.TouchedFraction > p.opts.MaxChanges {
		return &s, &ChangesError{fmt.Sprintf("publish: the bake (build %s) changes %d of the %d components of %s (build %s), %.2f%% (%d added, %d removed, %d changed, %d moved), more than the %.2f%% allowed (--max-changes); nothing was uploaded (`prebake diff --data` lists them)%s",
			m.BuildID, s.Touched, s.OldComponents, live, old.BuildID, 100*s.TouchedFraction, s.Added, s.Removed, s.Changed, s.Moved, 100*p.opts.MaxChanges, hint)}
	}
	return &s, nil
}
