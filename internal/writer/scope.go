package writer

import (
	"fmt"
	"maps"

	"github.com/prebake/prebake/manifest"
)

// Outputs is what one generator put in a bake's manifest: its assets, tile
// sets and shard sets by name, exactly as the manifest holds them. A bake keeps
// each generator's Outputs so that a later bake with the same inputs can name
// the same files again (Reuse) instead of regenerating them.
type Outputs struct {
	Assets    map[string]manifest.Asset    `json:"assets,omitempty"`
	TileSets  map[string]manifest.TileSet  `json:"tilesets,omitempty"`
	ShardSets map[string]manifest.ShardSet `json:"shardsets,omitempty"`
}

// Scope returns a Writer for one generator: it writes into w's output
// directory through w's staging and compression workers, every output lands in
// w (and so in the manifest Commit writes) as if written to w directly, and the
// scope also records its own outputs (Outputs). Scopes of one Writer may be used
// at once; a name written by two of them is an error, as it is for w. Commit and
// Close belong to w: Close on a scope does nothing.
func (w *Writer) Scope() *Writer {
	return &Writer{opts: w.opts, sem: w.sem, parent: w, assets: map[string]manifest.Asset{},
		tilesets: map[string]manifest.TileSet{}, shardsets: map[string]manifest.ShardSet{}}
}

// Outputs returns what was written or reused through w (a scope's own, or
// everything for the Writer a bake commits).
func (w *Writer) Outputs() Outputs {
	w.mu.Lock()
	defer w.mu.Unlock()
	return Outputs{Assets: maps.Clone(w.assets), TileSets: maps.Clone(w.tilesets), ShardSets: maps.Clone(w.shardsets)}
}

// Reuse names again, through w, the outputs an earlier bake wrote, without
// writing anything: w's manifest will hold o's entries unchanged. It fails when
// any file o names is not in the output directory with its size (CheckPresent,
// which also lists every file of every set), so the caller can generate
// instead; nothing is added then. The caller answers for o being what the
// generator would write now (its inputs, options and version unchanged), and
// for the base URL being the one o's URLs were made with.
func (w *Writer) Reuse(o Outputs) error {
	if err := CheckPresent(&manifest.Manifest{Assets: o.Assets, TileSets: o.TileSets, ShardSets: o.ShardSets}, w.opts.OutDir); err != nil {
		return err
	}
	for n, a := range o.Assets {
		if err := w.addAsset(n, a); err != nil {
			return err
		}
	}
	for n, t := range o.TileSets {
		if err := w.addTileSet(n, t); err != nil {
			return err
		}
	}
	for n, s := range o.ShardSets {
		if err := w.addShardSet(n, s); err != nil {
			return err
		}
	}
	return nil
}

// chain is w and the Writers it is a scope of, the outermost first: an output
// is added to each, so the outermost (the one that commits) holds them all.
func (w *Writer) chain() []*Writer {
	var c []*Writer
	for x := w; x != nil; x = x.parent {
		c = append([]*Writer{x}, c...)
	}
	return c
}

// root is the Writer that owns the staging directory and commits.
func (w *Writer) root() *Writer { return w.chain()[0] }

// add puts v under name in the map that pick selects, in w and every Writer w
// is a scope of, outermost first; a name already there is an error and nothing
// below the Writer that has it is changed.
func add[V any](w *Writer, kind, name string, v V, pick func(*Writer) map[string]V) error {
	for _, x := range w.chain() {
		x.mu.Lock()
		m := pick(x)
		_, dup := m[name]
		if !dup {
			m[name] = v
		}
		x.mu.Unlock()
		if dup {
			return fmt.Errorf("%s %q written twice", kind, name)
		}
	}
	return nil
}

func (w *Writer) addAsset(name string, a manifest.Asset) error {
	return add(w, "asset", name, a, func(x *Writer) map[string]manifest.Asset { return x.assets })
}

func (w *Writer) addTileSet(name string, t manifest.TileSet) error {
	return add(w, "tile set", name, t, func(x *Writer) map[string]manifest.TileSet { return x.tilesets })
}

func (w *Writer) addShardSet(name string, s manifest.ShardSet) error {
	return add(w, "shard set", name, s, func(x *Writer) map[string]manifest.ShardSet { return x.shardsets })
}

// has reports whether the outermost Writer holds an asset named name.
func (w *Writer) hasAsset(name string) bool {
	r := w.root()
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.assets[name]
	return ok
}
