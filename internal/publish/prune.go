package publish

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
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
	LeftAlone        []string `json:"left_alone"`             // not content-addressed: not prebake's
	TooNew           int      `json:"too_new"`                // unreferenced but younger than PruneMinAge
}

// deleteBatch is S3's limit of keys per DeleteObjects request.
const deleteBatch = 1000

// prune deletes, from the listing, every content-addressed object that neither
// the current manifest m nor the newest Keep history entries reference, then
// the older history entries, as writer.Prune does for an output directory.
// Objects whose path carries no content hash are not prebake's and are left
// alone; so are manifest.json and the current manifest's history entry.
func (p *publisher) prune(ctx context.Context, m *manifest.Manifest, listed map[string]remote, now time.Time) (*PruneResult, error) {
	current := writer.HistoryName(m)
	var names []string
	for rel := range listed {
		if n, ok := strings.CutPrefix(rel, HistoryPrefix); ok && strings.HasSuffix(n, ".json") && !strings.Contains(n, "/") {
			names = append(names, n)
		}
	}
	if !slices.Contains(names, current) {
		names = append(names, current) // a dry run: it would be there
	}
	// Names start with the compact RFC 3339 creation time: newest first.
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	res := &PruneResult{KeptManifests: []string{}, RemovedManifests: []string{}, LeftAlone: []string{}}
	kept := []*manifest.Manifest{m}
	for i, n := range names {
		if i >= p.opts.Keep {
			if n != current {
				res.RemovedManifests = append(res.RemovedManifests, n)
			}
			continue
		}
		res.KeptManifests = append(res.KeptManifests, n)
		if n == current {
			continue
		}
		data, err := p.get(ctx, HistoryPrefix+n)
		if err != nil {
			return nil, err
		}
		if data == nil {
			return nil, fmt.Errorf("publish: prune: history entry %s vanished while pruning", n)
		}
		hm, err := manifest.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("publish: prune: history entry %s: %w (delete it to prune past it)", p.opts.To.Key(HistoryPrefix+n), err)
		}
		kept = append(kept, hm)
	}
	files, dirs := writer.Live(kept...)
	var doomed []string
	for _, rel := range slices.Sorted(maps.Keys(listed)) {
		if rel == ManifestKey || strings.HasPrefix(rel, writer.StateDir+"/") || files[rel] || inDir(rel, dirs) {
			continue
		}
		if !writer.ContentAddressed(rel) {
			res.LeftAlone = append(res.LeftAlone, rel)
			continue
		}
		if r := listed[rel]; now.Sub(r.modified) < p.opts.PruneMinAge {
			res.TooNew++
			continue
		}
		doomed = append(doomed, rel)
		res.RemovedBytes += listed[rel].size
	}
	res.Removed = len(doomed)
	if p.opts.List {
		res.RemovedKeys = doomed
	}
	if p.opts.DryRun {
		return res, nil
	}
	// Objects first, then the history entries that named them: a prune that
	// dies half-way is finished by the next one.
	if err := p.delete(ctx, doomed); err != nil {
		return nil, err
	}
	hist := make([]string, len(res.RemovedManifests))
	for i, n := range res.RemovedManifests {
		hist[i] = HistoryPrefix + n
	}
	if err := p.delete(ctx, hist); err != nil {
		return nil, err
	}
	return res, nil
}

// inDir reports whether rel lies below one of dirs.
func inDir(rel string, dirs map[string]bool) bool {
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		if dirs[d] {
			return true
		}
	}
	return false
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
