package manifest

import (
	"maps"
	"slices"
)

// Change is one asset, tile set or shard set that differs between two manifests.
type Change struct {
	Kind    string `json:"kind"`   // "asset", "tileset" or "shardset"
	Name    string `json:"name"`   // logical name
	Change  string `json:"change"` // "added", "removed" or "changed"
	OldPath string `json:"old_path,omitempty"`
	NewPath string `json:"new_path,omitempty"`
	OldSize int64  `json:"old_size"`
	NewSize int64  `json:"new_size"`
	Delta   int64  `json:"delta"` // NewSize - OldSize
	// Files counts the files of a set (zero for assets).
	OldFiles int `json:"old_files,omitempty"`
	NewFiles int `json:"new_files,omitempty"`
}

// Diff lists what changed from old to new, sorted by kind, then name. An item
// changed when its content hash (or, lacking one, its path) differs.
func Diff(old, new *Manifest) []Change {
	type item struct {
		id    string
		path  string
		size  int64
		files int
	}
	collect := func(m *Manifest) map[string]map[string]item {
		out := map[string]map[string]item{"asset": {}, "tileset": {}, "shardset": {}}
		for n, a := range m.Assets {
			out["asset"][n] = item{a.SHA256, a.Path, a.Size, 0}
		}
		for n, t := range m.TileSets {
			id := t.SHA256
			if id == "" {
				id = t.Path
			}
			out["tileset"][n] = item{id, t.Path, t.Bytes, t.Files}
		}
		for n, s := range m.ShardSets {
			id := s.SHA256
			if id == "" {
				id = s.Path
			}
			out["shardset"][n] = item{id, s.Path, s.Bytes, s.Files}
		}
		return out
	}
	a, b := collect(old), collect(new)
	var changes []Change
	for _, kind := range []string{"asset", "tileset", "shardset"} {
		names := map[string]bool{}
		for n := range a[kind] {
			names[n] = true
		}
		for n := range b[kind] {
			names[n] = true
		}
		for _, n := range slices.Sorted(maps.Keys(names)) {
			o, inOld := a[kind][n]
			nw, inNew := b[kind][n]
			c := Change{Kind: kind, Name: n, OldPath: o.path, NewPath: nw.path, OldSize: o.size, NewSize: nw.size,
				Delta: nw.size - o.size, OldFiles: o.files, NewFiles: nw.files}
			switch {
			case !inOld:
				c.Change = "added"
			case !inNew:
				c.Change = "removed"
			case o.id != nw.id || o.path != nw.path:
				c.Change = "changed"
			default:
				continue
			}
			changes = append(changes, c)
		}
	}
	return changes
}
