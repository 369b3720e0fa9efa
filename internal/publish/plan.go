package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// Cache-Control values. Every file a manifest names carries a content hash in its
// path (its own name or its set's directory), so its bytes never change: a year
// (the longest RFC 9111 suggests) and immutable, so browsers do not revalidate on
// reload. The manifest itself changes with every bake.
const (
	ImmutableCacheControl = "public, max-age=31536000, immutable"
	DefaultManifestMaxAge = 60 // seconds
)

// object is one file to be present in the bucket.
type object struct {
	rel         string // path relative to the output directory and the prefix
	size        int64
	sha256      string // of the file's bytes when the manifest or a set index gives it, else ""
	contentType string
	encoding    string // Content-Encoding of a pre-compressed variant, "" for an original
	owner       string // "asset cmu/cmus.json", "tileset DSR", for messages
}

// plan lists every object the manifest m names, read from outDir: each asset and
// its variants, each set's index, every file of each set (from the index, whose
// hash is checked against the manifest) with the set's variants. Sorted by path,
// each path once. A file missing from outDir, or an index that is not the one
// the manifest names, is an error: what is published must be what was baked.
func plan(m *manifest.Manifest, outDir string) ([]object, error) {
	objs := map[string]object{}
	add := func(o object) error {
		fi, err := os.Stat(filepath.Join(outDir, filepath.FromSlash(o.rel)))
		if err != nil {
			return fmt.Errorf("%s: %w (the output directory does not hold what the manifest names; `prebake verify` says more)", o.owner, err)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: %s is not a regular file", o.owner, o.rel)
		}
		if o.size >= 0 && fi.Size() != o.size {
			return fmt.Errorf("%s: %s has %d bytes, the manifest says %d (run `prebake verify`)", o.owner, o.rel, fi.Size(), o.size)
		}
		o.size = fi.Size()
		if _, dup := objs[o.rel]; !dup { // a PMTiles tile set is also an asset: first one wins
			objs[o.rel] = o
		}
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(m.Assets)) {
		a := m.Assets[name]
		owner := "asset " + name
		if err := add(object{rel: a.Path, size: a.Size, sha256: a.SHA256, contentType: a.ContentType, owner: owner}); err != nil {
			return nil, err
		}
		for _, enc := range slices.Sorted(maps.Keys(a.Encodings)) {
			e := a.Encodings[enc]
			if err := add(object{rel: e.Path, size: e.Size, contentType: a.ContentType, encoding: enc, owner: owner}); err != nil {
				return nil, err
			}
		}
	}
	type set struct {
		owner, dir, index, sum string
		encodings              []string
	}
	var sets []set
	for _, name := range slices.Sorted(maps.Keys(m.TileSets)) {
		t := m.TileSets[name]
		sets = append(sets, set{"tileset " + name, t.Path, t.Index, t.SHA256, t.Encodings})
	}
	for _, name := range slices.Sorted(maps.Keys(m.ShardSets)) {
		s := m.ShardSets[name]
		sets = append(sets, set{"shardset " + name, s.Path, s.Index, s.SHA256, s.Encodings})
	}
	for _, s := range sets {
		if s.index == "" { // a set written as one file, e.g. a PMTiles archive
			if err := add(object{rel: s.dir, size: -1, contentType: writer.ContentType(s.dir), owner: s.owner}); err != nil {
				return nil, err
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join(outDir, filepath.FromSlash(s.index)))
		if err != nil {
			return nil, fmt.Errorf("%s: index: %w", s.owner, err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != s.sum {
			return nil, fmt.Errorf("%s: index %s does not hash to the manifest's sha256 %s (run `prebake verify`)", s.owner, s.index, s.sum)
		}
		entries, err := manifest.ParseIndex(data)
		if err != nil {
			return nil, fmt.Errorf("%s: index %s: %w", s.owner, s.index, err)
		}
		if err := add(object{rel: s.index, size: int64(len(data)), sha256: s.sum, contentType: writer.ContentType(s.index), owner: s.owner}); err != nil {
			return nil, err
		}
		for _, e := range entries {
			rel := path.Join(s.dir, e.Path)
			ct := writer.ContentType(rel)
			if err := add(object{rel: rel, size: -1, sha256: e.SHA256, contentType: ct, owner: s.owner}); err != nil {
				return nil, err
			}
			for _, enc := range s.encodings {
				if err := add(object{rel: rel + manifest.EncodingSuffixes[enc], size: -1, contentType: ct, encoding: enc, owner: s.owner}); err != nil {
					return nil, err
				}
			}
		}
	}
	out := make([]object, 0, len(objs))
	for _, rel := range slices.Sorted(maps.Keys(objs)) {
		out = append(out, objs[rel])
	}
	return out, nil
}
