package audit

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/prebake/prebake/manifest"
)

// Outputs returns the outputs of m that replace f, as "<section>:<name>"
// entries of f.ReplacedBy found in m (a "/*" entry stands for itself when at
// least one name matches it), and the number of manifest names they cover.
// A nil manifest replaces nothing.
func (f Family) Outputs(m *manifest.Manifest) (found []string, names int) {
	if m == nil {
		return nil, 0
	}
	for _, want := range f.ReplacedBy {
		section, name, _ := strings.Cut(want, ":")
		have := sectionNames(m, section)
		n := 0
		if prefix, ok := strings.CutSuffix(name, "*"); ok {
			for _, h := range have {
				if strings.HasPrefix(h, prefix) {
					n++
				}
			}
		} else if slices.Contains(have, name) {
			n = 1
		}
		if n > 0 {
			found = append(found, want)
			names += n
		}
	}
	return found, names
}

func sectionNames(m *manifest.Manifest, section string) []string {
	switch section {
	case "assets":
		return slices.Sorted(maps.Keys(m.Assets))
	case "tilesets":
		return slices.Sorted(maps.Keys(m.TileSets))
	case "shardsets":
		return slices.Sorted(maps.Keys(m.ShardSets))
	}
	// The table is code: a section it names that the manifest type lacks is a
	// programming error, caught by TestFamiliesTable.
	panic(fmt.Sprintf("audit: unknown manifest section %q", section))
}
