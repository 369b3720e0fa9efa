package writer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

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
// writing anything: w's manifest will hold o's entries unchanged. It fails,
// adding nothing, when the files are not the ones the earlier bake wrote, so
// the caller can generate instead: a file o names is not in the output
// directory with its size, an asset's bytes are not its SHA-256, or a set's
// index does not hash to the set's SHA-256 (CheckAsWritten: a fresh bake would
// write these again); or a name of o is already w's. The bytes of the files
// inside a set and of variants are not read: a fresh bake does not write those
// again either once they are there (fileset.go's fillDir, existingVariants). The
// caller answers for o being what the generator would write now (its inputs,
// options and version unchanged), and for the base URL being the one o's URLs
// were made with.
func (w *Writer) Reuse(o Outputs) error {
	if err := CheckAsWritten(&manifest.Manifest{Assets: o.Assets, TileSets: o.TileSets, ShardSets: o.ShardSets}, w.opts.OutDir); err != nil {
		return err
	}
	for _, x := range w.chain() {
		x.mu.Lock()
		dup := firstShared(o.Assets, x.assets, "asset")
		if dup == "" {
			dup = firstShared(o.TileSets, x.tilesets, "tile set")
		}
		if dup == "" {
			dup = firstShared(o.ShardSets, x.shardsets, "shard set")
		}
		x.mu.Unlock()
		if dup != "" {
			return fmt.Errorf("%s written twice", dup)
		}
	}
	// Added one by one: a name another scope adds meanwhile still fails, and
	// what this call added is then taken out again.
	var assets, tilesets, shardsets []string
	err := func() error {
		for _, n := range slices.Sorted(maps.Keys(o.Assets)) {
			if err := w.addAsset(n, o.Assets[n]); err != nil {
				return err
			}
			assets = append(assets, n)
		}
		for _, n := range slices.Sorted(maps.Keys(o.TileSets)) {
			if err := w.addTileSet(n, o.TileSets[n]); err != nil {
				return err
			}
			tilesets = append(tilesets, n)
		}
		for _, n := range slices.Sorted(maps.Keys(o.ShardSets)) {
			if err := w.addShardSet(n, o.ShardSets[n]); err != nil {
				return err
			}
			shardsets = append(shardsets, n)
		}
		return nil
	}()
	if err != nil {
		for _, x := range w.chain() {
			x.mu.Lock()
			for _, n := range assets {
				delete(x.assets, n)
			}
			for _, n := range tilesets {
				delete(x.tilesets, n)
			}
			for _, n := range shardsets {
				delete(x.shardsets, n)
			}
			x.mu.Unlock()
		}
	}
	return err
}

// firstShared names the first (sorted) key of o that have also holds, as
// "<kind> \"<name>\"", or "".
func firstShared[V any](o, have map[string]V, kind string) string {
	for _, n := range slices.Sorted(maps.Keys(o)) {
		if _, ok := have[n]; ok {
			return fmt.Sprintf("%s %q", kind, n)
		}
	}
	return ""
}

// CheckAsWritten checks that the files m names in outDir are as a bake wrote
// them, as far as a fresh bake would leave them in place: every file
// CheckPresent checks is there with its size (every file of every set listed
// from its index), each asset holds the bytes of its SHA-256, and each set's
// index hashes to the set's SHA-256. A bake that names files it did not write
// (Reuse, and a rebuild skipped because its inputs are unchanged) checks them
// so first. It reads the assets and the indexes, not the files inside sets.
func CheckAsWritten(m *manifest.Manifest, outDir string) error {
	// Not CheckPresent's error: its "(removed during the build?)" is the
	// commit's guess, and these files are usually gone by a prune.
	if missing := notInPlace(m, outDir); len(missing) > 0 {
		return fmt.Errorf("%d file(s) missing or not of their size, first %s", len(missing), missing[0])
	}
	return checkContent(m, outDir)
}

// checkContent checks that each asset of o holds the bytes of its SHA-256 and
// that each set's index hashes to the set's SHA-256. Both are what a fresh
// bake checks before it leaves a file in place (placeFile compares the bytes;
// an index is written again unless it is the same), and cheap beside
// generating: the assets of a real bake are tens of megabytes, the indexes
// small.
func checkContent(o *manifest.Manifest, outDir string) error {
	type check struct{ rel, want, what string }
	var checks []check
	for _, n := range slices.Sorted(maps.Keys(o.Assets)) {
		checks = append(checks, check{o.Assets[n].Path, o.Assets[n].SHA256, fmt.Sprintf("asset %q", n)})
	}
	sets := map[string]string{} // index path -> the set's SHA-256
	for _, t := range o.TileSets {
		if t.Index != "" {
			sets[t.Index] = t.SHA256
		}
	}
	for _, s := range o.ShardSets {
		if s.Index != "" {
			sets[s.Index] = s.SHA256
		}
	}
	for _, index := range slices.Sorted(maps.Keys(sets)) {
		checks = append(checks, check{index, sets[index], "set index"})
	}
	// Hashed GOMAXPROCS at once (a no-change rebuild waits for it); the
	// first failing check in the order above is the error, whatever the
	// scheduling.
	errs := make([]error, len(checks))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, c := range checks {
		g.Go(func() error {
			sum, err := fileSHA256(filepath.Join(outDir, filepath.FromSlash(c.rel)))
			if err == nil && sum != c.want {
				err = fmt.Errorf("%s does not hold the bytes it was written with (SHA-256 %s, want %s)", c.rel, sum, c.want)
			}
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", c.what, err)
			}
			return nil
		})
	}
	g.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// fileSHA256 is the hex SHA-256 of the file at p.
func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
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
