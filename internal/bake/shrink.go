package bake

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/prebake/prebake/manifest"
)

// DefaultMaxShrink is the share of a kind's rows (components, CMU rows,
// postcodes) a bake may lose against the manifest in force before it needs
// --allow-shrink. The register grows from one auction to the next; losing a
// tenth of it at once is far more likely a truncated download, a first CKAN
// page or the wrong file than a real change.
const DefaultMaxShrink = 0.10

// checkShrink refuses a bake that would replace a good one with a worse one:
//
//   - no components at all;
//   - a register source (components or CMU rows) of which no row was used or a
//     duplicate: every row rejected, the file is not what it claims to be;
//   - a kind of row whose count (used rows, summed over the sources of that
//     kind) drops by more than MaxShrink against the manifest at ManifestPath.
//
// A kind is compared like with like: only when the manifest in force read it
// from the same kind of data, synthetic or real (see provenance). A real
// register baked where the synthetic sample was (make run, then a real bake
// into the same --out) is another data set, not a loss of rows; so
// is the sample baked over a real bake. Switching is never a truncated
// download, the fault this guard is for.
//
// Each error says what to pass (--allow-shrink) when the drop is intended.
func checkShrink(cfg Config, sources []manifest.Source, components int) error {
	const hint = "; pass --allow-shrink if this is intended"
	if components == 0 {
		return fmt.Errorf("the sources yield no components (%s)%s", describeSources(sources), hint)
	}
	for _, s := range sources {
		if s.Kind == "postcodes" || s.Counts.Used+s.Counts.Duplicate > 0 {
			continue
		}
		return fmt.Errorf("source %s yields no row: all %d rows rejected (%s)%s", s.Path, s.Counts.Read, FormatCounts(s.Counts.RejectedBy), hint)
	}
	if cfg.ManifestPath == "" {
		return nil
	}
	prev, err := manifest.Load(cfg.ManifestPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a first bake: nothing to compare with
	}
	if err != nil {
		return fmt.Errorf("cannot compare with the manifest in force: %w%s", err, hint)
	}
	limit := cfg.MaxShrink
	if limit <= 0 {
		limit = DefaultMaxShrink
	}
	was, now := usedByKind(prev.Sources), usedByKind(sources)
	wasFrom, nowFrom := provenance(prev.Sources), provenance(sources)
	kinds := make([]string, 0, len(was))
	for k := range was {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if was[k] == 0 || float64(now[k]) >= float64(was[k])*(1-limit) {
			continue
		}
		if _, present := nowFrom[k]; present && wasFrom[k] != nowFrom[k] {
			continue // another data set of this kind, not fewer rows of the same one
		}
		return fmt.Errorf("%s drop from %d to %d (-%.1f%%) against the manifest in force (%s, build %s), more than the %.0f%% allowed (--max-shrink)%s",
			k, was[k], now[k], 100*float64(was[k]-now[k])/float64(was[k]), cfg.ManifestPath, prev.BuildID, 100*limit, hint)
	}
	return nil
}

func usedByKind(sources []manifest.Source) map[string]int {
	m := map[string]int{}
	for _, s := range sources {
		m[s.Kind] += s.Counts.Used
	}
	return m
}

// provenance says, per kind of row, what the sources of that kind hold:
// "synthetic" (all prebake's sample), "real" (none of it) or "mixed". CMU rows
// take the components' provenance: they are joined to them as one register,
// and only component rows carry the sample's Synthetic column. A kind the
// bake reads no source of is absent: dropping a kind altogether (no
// --postcodes, say) is compared, and refused, as a loss.
func provenance(sources []manifest.Source) map[string]string {
	m := map[string]string{}
	for _, s := range sources {
		if s.Kind == "cmus" {
			continue
		}
		p := "real"
		if s.Synthetic {
			p = "synthetic"
		}
		if was, ok := m[s.Kind]; ok && was != p {
			p = "mixed"
		}
		m[s.Kind] = p
	}
	for _, s := range sources {
		if s.Kind == "cmus" {
			m["cmus"] = m["components"]
		}
	}
	return m
}

func describeSources(sources []manifest.Source) string {
	var parts []string
	for _, s := range sources {
		if s.Kind == "postcodes" {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %s, read %d, used %d, rejected %d", s.Path, s.Kind, s.Counts.Read, s.Counts.Used, s.Counts.Rejected))
	}
	return strings.Join(parts, "; ")
}

// FormatCounts prints counts by key as "a 1, b 2", keys sorted.
func FormatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
