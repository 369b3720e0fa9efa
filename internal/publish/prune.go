package publish

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// PruneResult lists what a remote prune deleted (or would delete). Paths are
// relative to the prefix.
type PruneResult struct {
	KeptManifests    []string `json:"kept_manifests"`    // history entries kept, newest first
	RemovedManifests []string `json:"removed_manifests"` // history entries deleted
	Removed          int      `json:"removed"`           // objects deleted
	RemovedBytes     int64    `json:"removed_bytes"`
	RemovedKeys      []string `json:"removed_keys,omitempty"` // with Options.List
	LeftAlone        []string `json:"left_alone"`             // named by no manifest of the history: not prebake's
	TooNew           int      `json:"too_new"`                // unreferenced but younger than PruneMinAge
}

// deleteBatch is S3's limit of keys per DeleteObjects request.
const deleteBatch = 1000

// prune deletes, from the listing, every object that some manifest of the
// bucket's history named and that neither the current manifest m (whose
// history entry is current) nor the newest Keep builds of the history name,
// then the older history entries, as writer.Prune does for an output
// directory. The history is in publish order (writer.HistoryName's sequence);
// an object no manifest of the history named is not prebake's and is left
// alone whatever its name; so are manifest.json and everything under
// .prebake/ but the removed history entries.
func (p *publisher) prune(ctx context.Context, m *manifest.Manifest, current string, listed map[string]remote, now time.Time) (*PruneResult, error) {
	hist := history(listed)
	if !slices.ContainsFunc(hist, func(e writer.HistoryEntry) bool { return e.Name == current }) {
		e, _ := writer.ParseHistoryName(current) // a dry run: it would be there
		hist = append(hist, e)
		writer.SortHistory(hist)
	}
	keptEntries, removedEntries := writer.KeepHistory(hist, p.opts.Keep)
	res := &PruneResult{KeptManifests: []string{}, RemovedManifests: []string{}, LeftAlone: []string{}}
	load := func(e writer.HistoryEntry) (*manifest.Manifest, error) {
		if e.Name == current {
			return m, nil
		}
		data, err := p.get(ctx, HistoryPrefix+e.Name)
		if err != nil {
			return nil, err
		}
		if data == nil {
			return nil, fmt.Errorf("publish: prune: history entry %s vanished while pruning", e.Name)
		}
		hm, err := manifest.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("publish: prune: history entry %s: %w (delete it to prune past it)", p.opts.To.Key(HistoryPrefix+e.Name), err)
		}
		return hm, nil
	}
	kept, all := []*manifest.Manifest{m}, []*manifest.Manifest{m}
	for _, e := range keptEntries {
		hm, err := load(e)
		if err != nil {
			return nil, err
		}
		kept, all = append(kept, hm), append(all, hm)
		res.KeptManifests = append(res.KeptManifests, e.Name)
	}
	for _, e := range removedEntries {
		hm, err := load(e)
		if err != nil {
			return nil, err
		}
		all = append(all, hm)
		if e.Name != current {
			res.RemovedManifests = append(res.RemovedManifests, e.Name)
		}
	}
	// Set indexes are read once each, from the bucket (an index the listing
	// lacks names nothing).
	indexes := map[string][]byte{}
	var readErr error
	read := func(rel string) ([]byte, error) {
		if b, ok := indexes[rel]; ok {
			return b, nil
		}
		if _, ok := listed[rel]; !ok {
			return nil, fs.ErrNotExist
		}
		b, err := p.get(ctx, rel)
		if err != nil {
			readErr = err
			return nil, err
		}
		indexes[rel] = b
		return b, nil
	}
	live, _ := writer.Named(read, kept...)
	named, isIndex := writer.Named(read, all...)
	if readErr != nil {
		return nil, readErr // an unread index would leave its set's files out of live
	}
	var doomed, doomedIndexes []string
	for _, rel := range slices.Sorted(maps.Keys(listed)) {
		if rel == ManifestKey || strings.HasPrefix(rel, writer.StateDir+"/") || live[rel] {
			continue
		}
		if !named[rel] {
			res.LeftAlone = append(res.LeftAlone, rel)
			continue
		}
		if r := listed[rel]; now.Sub(r.modified) < p.opts.PruneMinAge {
			res.TooNew++
			continue
		}
		if isIndex[rel] {
			doomedIndexes = append(doomedIndexes, rel)
		} else {
			doomed = append(doomed, rel)
		}
		res.RemovedBytes += listed[rel].size
	}
	res.Removed = len(doomed) + len(doomedIndexes)
	if p.opts.List {
		res.RemovedKeys = append(append([]string{}, doomed...), doomedIndexes...)
	}
	if p.opts.DryRun {
		return res, nil
	}
	// Objects first, then the set indexes that list them, then the history
	// entries that named them: a prune that dies half-way is finished by the
	// next one.
	for _, batch := range [][]string{doomed, doomedIndexes} {
		if err := p.delete(ctx, batch); err != nil {
			return nil, err
		}
	}
	if res.TooNew > 0 {
		// The removed entries name the objects spared: they stay until a
		// later prune deletes those, or nothing would ever name them again.
		res.RemovedManifests = []string{}
	}
	hk := make([]string, len(res.RemovedManifests))
	for i, n := range res.RemovedManifests {
		hk[i] = HistoryPrefix + n
	}
	if err := p.delete(ctx, hk); err != nil {
		return nil, err
	}
	return res, nil
}

// delete removes rels in batches; any key S3 reports as not deleted is an error.
func (p *publisher) delete(ctx context.Context, rels []string) error {
	for len(rels) > 0 {
		batch := rels[:min(deleteBatch, len(rels))]
		rels = rels[len(batch):]
		ids := make([]types.ObjectIdentifier, len(batch))
		for i, rel := range batch {
			ids[i] = types.ObjectIdentifier{Key: aws.String(p.opts.To.Key(rel))}
		}
		out, err := p.c.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(p.opts.To.Bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("publish: prune: %w", err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("publish: prune: %d objects not deleted, first %s: %s %s", len(out.Errors), aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
		}
	}
	return nil
}
