package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/prebake/prebake/manifest"
)

// HistoryEntry is one manifest of a history: the output directory's
// .prebake/manifests (Commit writes it) or a bucket's (publish writes it).
type HistoryEntry struct {
	Name    string // the file name, "<seq>-<created>-<build_id>.json"
	Seq     int64  // commit (or publish) order, from 1; 0 for an entry written before prebake recorded it
	Created string // the manifest's created, compact ("20260101T000000Z")
	BuildID string
}

// seqWidth zero-pads a sequence number so names also sort by it in a listing.
const seqWidth = 10

var (
	seqName    = regexp.MustCompile(`^([0-9]{1,19})-([0-9TZ]+)-([0-9a-f]+)\.json$`)
	legacyName = regexp.MustCompile(`^([0-9TZ]+)-([0-9a-f]+)\.json$`)
)

// HistoryName is the file name of m's history entry committed (or published)
// as the seq-th: "<seq, 10 digits>-<compact created>-<build_id>.json". The
// order of a history is the sequence, never the creation time: bakes sharing
// SOURCE_DATE_EPOCH share a created, and a rebuild of an older commit is the
// newest deploy though its created is older.
func HistoryName(seq int64, m *manifest.Manifest) string {
	return fmt.Sprintf("%0*d-%s-%s.json", seqWidth, seq, CompactCreated(m), m.BuildID)
}

// CompactCreated is m's created as history names carry it: "20260101T000000Z".
func CompactCreated(m *manifest.Manifest) string {
	return strings.NewReplacer("-", "", ":", "").Replace(m.Created)
}

// ParseHistoryName reads a history file name. Entries written before prebake
// recorded the order ("<created>-<build_id>.json") get Seq 0; ok is false for
// a name of neither shape.
func ParseHistoryName(name string) (e HistoryEntry, ok bool) {
	if g := seqName.FindStringSubmatch(name); g != nil {
		seq, err := strconv.ParseInt(g[1], 10, 64)
		if err == nil && seq > 0 {
			return HistoryEntry{Name: name, Seq: seq, Created: g[2], BuildID: g[3]}, true
		}
	}
	if g := legacyName.FindStringSubmatch(name); g != nil {
		return HistoryEntry{Name: name, Created: g[1], BuildID: g[2]}, true
	}
	return HistoryEntry{}, false
}

// SortHistory orders es newest first: by sequence, and the entries without one
// (older than every entry with one) by name, as prebake ordered them then.
func SortHistory(es []HistoryEntry) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].Seq != es[j].Seq {
			return es[i].Seq > es[j].Seq
		}
		return es[i].Name > es[j].Name
	})
}

// NextSeq is the sequence number the next entry of history es gets: one past
// the highest.
func NextSeq(es []HistoryEntry) int64 {
	var n int64
	for _, e := range es {
		n = max(n, e.Seq)
	}
	return n + 1
}

// ReadHistory lists the output directory's history, newest first (SortHistory);
// none when there is no history yet. Files of other names are not entries.
func ReadHistory(outDir string) ([]HistoryEntry, error) {
	des, err := os.ReadDir(HistoryDir(outDir))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var es []HistoryEntry
	for _, d := range des {
		if e, ok := ParseHistoryName(d.Name()); ok && d.Type().IsRegular() {
			es = append(es, e)
		}
	}
	SortHistory(es)
	return es, nil
}

// KeepHistory splits a history sorted newest first into the entries of the
// newest keep distinct bakes and the rest. A bake committed (or published)
// again — the same build_id and created, as when a deploy is rolled back to
// it — counts once, at its newest entry; its older entries are in removed.
func KeepHistory(es []HistoryEntry, keep int) (kept, removed []HistoryEntry) {
	seen := map[[2]string]bool{}
	for _, e := range es {
		k := [2]string{e.Created, e.BuildID}
		if !seen[k] && len(seen) < keep {
			seen[k] = true
			kept = append(kept, e)
			continue
		}
		removed = append(removed, e)
	}
	return kept, removed
}

// Named is every path (relative to the output directory or bucket prefix,
// slash-separated) that the manifests ms name: each asset and its variants,
// each set's index, each file the index lists with the variants of the
// encodings the manifest lists for the set, and a set written as one file.
// read returns a set index's bytes by path; a set whose index cannot be read
// (missing, say, after an interrupted prune) adds only its index's path.
// isIndex holds the set indexes, which prune removes after the files they list,
// so that a prune that dies half-way is finished by the next one.
func Named(read func(rel string) ([]byte, error), ms ...*manifest.Manifest) (named, isIndex map[string]bool) {
	named, isIndex = map[string]bool{}, map[string]bool{}
	type setKey struct{ dir, index string }
	encs := map[setKey]map[string]bool{}
	for _, m := range ms {
		for _, a := range m.Assets {
			named[a.Path] = true
			for _, e := range a.Encodings {
				named[e.Path] = true
			}
		}
		add := func(dir, index string, es []string) {
			if index == "" {
				named[dir] = true
				return
			}
			named[index], isIndex[index] = true, true
			k := setKey{dir, index}
			if encs[k] == nil {
				encs[k] = map[string]bool{}
			}
			for _, e := range es {
				encs[k][e] = true
			}
		}
		for _, t := range m.TileSets {
			add(t.Path, t.Index, t.Encodings)
		}
		for _, s := range m.ShardSets {
			add(s.Path, s.Index, s.Encodings)
		}
	}
	for k, es := range encs {
		data, err := read(k.index)
		if err != nil {
			continue
		}
		entries, err := manifest.ParseIndex(data)
		if err != nil {
			continue
		}
		for _, e := range entries {
			rel := k.dir + "/" + e.Path
			named[rel] = true
			for name := range es {
				if c, ok := CodecByName(name); ok {
					named[rel+c.Suffix] = true
				}
			}
		}
	}
	return named, isIndex
}
