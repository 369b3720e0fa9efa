package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
)

// DeleteOptions configures DeleteReplaced.
type DeleteOptions struct {
	// Execute unlinks the keys; without it nothing is removed (a dry run that
	// reports what would be).
	Execute bool
	// Batch is the keys per UNLINK (0: the default, 500; negative is an error).
	Batch int
	// Progress, when set, is called after every UNLINK with the keys done and
	// the keys to do.
	Progress func(done, total int64)
}

// DeletionReport is what DeleteReplaced did, or would do in a dry run.
type DeletionReport struct {
	DryRun   bool            `json:"dry_run"`
	Families []DeletedFamily `json:"families"` // in the report's order
	Keys     int64           `json:"keys"`     // keys of the replaced families
	Bytes    int64           `json:"bytes"`    // their MEMORY USAGE when audited
	Unlinked int64           `json:"unlinked"` // keys UNLINK removed (0 in a dry run)
	Memory   *MemoryInfo     `json:"memory_after,omitempty"`
}

// DeletedFamily is one replaced family's share of a deletion.
type DeletedFamily struct {
	Family   string `json:"family"`
	Keys     int64  `json:"keys"`
	Bytes    int64  `json:"bytes"`
	Unlinked int64  `json:"unlinked"`
}

// DeleteReplaced removes the keys of the families r's manifest replaces, and
// only those: the keys Run found (r must come from Run with KeepReplacedKeys),
// with UNLINK (the values are freed off the server's main thread) in batches
// of o.Batch. A key that expired or changed since the audit is simply not
// there to unlink. Without o.Execute it removes nothing. The result is also
// stored in r.Deletion.
func DeleteReplaced(ctx context.Context, rdb *redis.Client, r *Report, o DeleteOptions) (*DeletionReport, error) {
	if r.Manifest == nil {
		return nil, errors.New("deleting needs a manifest: only the families a bake replaces are deleted")
	}
	if r.Replaced.Families > 0 && r.replacedKeys == nil {
		return nil, errors.New("audit: the report was made without KeepReplacedKeys")
	}
	if o.Batch < 0 {
		return nil, fmt.Errorf("audit: Batch %d must not be negative (0: the default)", o.Batch)
	}
	if o.Batch == 0 {
		o.Batch = 500
	}
	d := &DeletionReport{DryRun: !o.Execute}
	for _, f := range r.Families {
		keys, ok := r.replacedKeys[f.Family]
		if !ok || f.Kind != KindApp {
			continue
		}
		d.Families = append(d.Families, DeletedFamily{Family: f.Family, Keys: int64(len(keys)), Bytes: f.Bytes})
		d.Keys += int64(len(keys))
		d.Bytes += f.Bytes
	}
	if o.Execute {
		var done int64
		for i := range d.Families {
			df := &d.Families[i]
			for batch := range slices.Chunk(r.replacedKeys[df.Family], o.Batch) {
				n, err := rdb.Unlink(ctx, batch...).Result()
				if err != nil {
					return nil, fmt.Errorf("UNLINK %d keys of %s: %w", len(batch), df.Family, err)
				}
				df.Unlinked += n
				d.Unlinked += n
				done += int64(len(batch))
				if o.Progress != nil {
					o.Progress(done, d.Keys)
				}
			}
		}
		mem, err := ReadMemory(ctx, rdb)
		if err != nil {
			return nil, err
		}
		d.Memory = &mem
	}
	r.Deletion = d
	return d, nil
}
