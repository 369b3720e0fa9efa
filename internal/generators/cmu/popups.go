package cmu

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/prebake/prebake/internal/appview"
	"github.com/prebake/prebake/internal/generators/cmu/table"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// popupStrings interns the texts of the stored rows: each distinct text gets a
// number, and its JSON text is made once. Each field but the few with a text
// per CMU or site (manyTexts) has a map of its own in front of the shared
// one: most fields have a few dozen values, and a small map's lookups stay in
// cache; in front of the shared map, a field with thousands of values would
// only hash each of its texts twice more.
type popupStrings struct {
	ids   map[string]int32
	field [popupValues]map[string]int32
	json  [][]byte
	// last is each field's previous text and its number: rows are made a
	// list at a time, lists in company and CMU order, so a field often
	// repeats the row before's text, and one comparison spares hashing it
	// (descriptions and locations are long) twice.
	last [popupValues]struct {
		s  string
		id int32
	}
}

const nullString = -1

func newPopupStrings(n int) *popupStrings {
	p := &popupStrings{ids: make(map[string]int32, n)}
	for i := range p.field {
		if !manyTexts[i] {
			p.field[i] = map[string]int32{}
		}
		p.last[i].id = nullString // no text yet
	}
	return p
}

// id is the number of text s of field f (an index into PopupFields[1:]), or
// nullString when ok is false.
func (p *popupStrings) id(f int, s string, ok bool) int32 {
	if !ok {
		return nullString
	}
	last := &p.last[f]
	if last.id != nullString && last.s == s {
		return last.id
	}
	id, ok := p.field[f][s] // a nil map (manyTexts) finds nothing
	if !ok {
		id, ok = p.ids[s]
		if !ok {
			id = int32(len(p.json))
			p.ids[s] = id
			p.json = append(p.json, jsonString(s))
		}
		if p.field[f] != nil {
			p.field[f][s] = id
		}
	}
	last.s, last.id = s, id
	return id
}

// manyTexts marks the fields (indexes into PopupFields[1:]) with about a text
// per CMU or per site: cmu_id, description, location.
var manyTexts = [popupValues]bool{2: true, 8: true, 9: true}

// popupRow is one component as stored: its id and, for each field of
// PopupFields after id, the number of its text or nullString.
type popupRow struct {
	id   int64
	vals [popupValues]int32
}

// popupList is one stored components_at_location list and where it went.
type popupList struct {
	rows       []*popupRow
	file, slot int // file of cmu/components_at_location, index in its lists
}

// popupStore is everything the two popup shard sets hold.
type popupStore struct {
	strs  *popupStrings
	lists []*popupList // in file order
	ids   []int64      // component ids, ascending
	of    []*popupList // of[i]: the list of component ids[i]
}

func newPopupStore(comps []record.Component) *popupStore {
	lists, keys, listOf := atLocationLists(comps)
	s := &popupStore{strs: newPopupStrings(len(comps))} // about one text a component (its location)
	// Lists go to files in the order of their newest component's company, CMU
	// and key, so that a company's and a CMU's texts tend to share a file and
	// are stored fewer times (the files are a tenth smaller than in key order);
	// the order is fixed, and with it the string numbers and every byte.
	// (Sorted as a compact array of the keys: comparing through comps reached
	// into a large record per comparison. The sort's steps are the same.)
	type listKey struct {
		company, cmu string
		key          int64
		li           int32
	}
	order := make([]listKey, len(lists))
	for i := range order {
		c := &comps[lists[i][0]]
		order[i] = listKey{c.Company, c.CMUID, keys[i], int32(i)}
	}
	slices.SortFunc(order, func(a, b listKey) int {
		if c := strings.Compare(a.company, b.company); c != 0 {
			return c
		}
		if c := strings.Compare(a.cmu, b.cmu); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
	rows := make([]*popupRow, len(comps))
	stored := make([]*popupList, len(lists))
	var rm rowMaker
	s.lists = make([]*popupList, len(lists))
	for k, o := range order {
		li := o.li
		l := &popupList{rows: make([]*popupRow, len(lists[li]))}
		for j, ci := range lists[li] {
			if rows[ci] == nil {
				rows[ci] = rm.row(&comps[ci], s.strs)
			}
			l.rows[j] = rows[ci]
		}
		s.lists[k], stored[li] = l, l
	}
	byID := make([]int32, len(comps))
	for i := range byID {
		byID[i] = int32(i)
	}
	slices.SortFunc(byID, func(a, b int32) int { return cmp.Compare(comps[a].ID, comps[b].ID) })
	s.ids = make([]int64, len(comps))
	s.of = make([]*popupList, len(comps))
	for k, ci := range byID {
		s.ids[k], s.of[k] = comps[ci].ID, stored[listOf[ci]]
	}
	return s
}

// rowMaker makes stored rows.
type rowMaker struct {
	companyID func(string) string // appview.Normalize, memoized
}

func (m *rowMaker) row(c *record.Component, strs *popupStrings) *popupRow {
	year, known := appview.Year(c.DeliveryYear)
	// The app writes str(derated_capacity_mw or 'N/A'): a zero capacity is
	// falsy in Python, so it is "N/A" like a missing one.
	mw := "N/A"
	if c.DeratedMW != nil && *c.DeratedMW != 0 {
		mw = PyFloatStr(*c.DeratedMW)
	}
	tech := c.TechClass
	if tech == "" {
		tech = string(record.Unknown)
	}
	if m.companyID == nil {
		m.companyID = memoized(appview.Normalize)
	}
	cid := m.companyID(c.Company)
	return &popupRow{id: c.ID, vals: [popupValues]int32{
		strs.id(0, year, known),
		strs.id(1, c.AuctionName, true),
		strs.id(2, c.CMUID, true),
		strs.id(3, mw, true),
		strs.id(4, c.Company, true),
		strs.id(5, cid, c.Company != ""),
		strs.id(6, tech, true),
		strs.id(7, string(c.Category), true),
		strs.id(8, c.Description, true),
		strs.id(9, c.LocationText, c.LocationText != ""),
	}}
}

// The fixed parts of a cmu/components_at_location file.
var (
	popupHead   = mustPopupHead()
	popupMiddle = []byte("],\n\"lists\":[")
	popupTail   = []byte("]}\n")
)

func mustPopupHead() []byte {
	f, err := json.Marshal(PopupFields)
	if err != nil {
		panic(err)
	}
	return []byte(`{"fields":` + string(f) + ",\n\"strings\":[")
}

// popupFile packs lists into one file of cmu/components_at_location, keeping
// its exact size as lists are added. Texts are numbered in the order they are
// first used while packing; encode renumbers them most used first, which can
// only shorten the rows.
type popupFile struct {
	strs  *popupStrings
	lists []*popupList
	order []int32 // string numbers, in first use
	size  int
	// local[v] is text v's number in this file when seen[v] == gen; tentative
	// numbers of a list being measured have seen[v] == gen+1.
	seen, local []int32
	gen         int32
}

func newPopupFile(strs *popupStrings, seen, local []int32, gen int32) *popupFile {
	return &popupFile{strs: strs, seen: seen, local: local, gen: gen,
		size: len(popupHead) + len(popupMiddle) + len(popupTail)}
}

// add adds l when the file stays within bound, or when the file is empty;
// it reports whether it did.
func (f *popupFile) add(l *popupList, bound int) bool {
	tentative := f.gen + 1
	n := 1 + 2 // "\n[" "]"
	if len(f.lists) > 0 {
		n++ // ,
	}
	count := int32(len(f.order))
	var fresh []int32
	for ri, r := range l.rows {
		if ri > 0 {
			n++
		}
		n += 2 + intLen(r.id) // [ id ]
		for _, v := range r.vals {
			n++ // ,
			if v == nullString {
				n += 4
				continue
			}
			if f.seen[v] != f.gen && f.seen[v] != tentative {
				f.seen[v], f.local[v] = tentative, count
				if count > 0 {
					n++ // the comma in strings
				}
				n += len(f.strs.json[v])
				count++
				fresh = append(fresh, v)
			}
			n += intLen(int64(f.local[v]))
		}
	}
	if len(f.lists) > 0 && f.size+n > bound {
		for _, v := range fresh {
			f.seen[v] = 0
		}
		return false
	}
	for _, v := range fresh {
		f.seen[v] = f.gen
	}
	f.order = append(f.order, fresh...)
	f.size += n
	f.lists = append(f.lists, l)
	return true
}

// encode writes the file, its texts numbered most used first (ties: first
// used first).
func (f *popupFile) encode() []byte {
	uses := make(map[int32]int, len(f.order))
	for _, l := range f.lists {
		for _, r := range l.rows {
			for _, v := range r.vals {
				if v != nullString {
					uses[v]++
				}
			}
		}
	}
	order := append([]int32(nil), f.order...)
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(uses[b], uses[a]) })
	for i, v := range order {
		f.local[v] = int32(i)
	}
	b := make([]byte, 0, f.size)
	b = append(b, popupHead...)
	for i, v := range order {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f.strs.json[v]...)
	}
	b = append(b, popupMiddle...)
	for li, l := range f.lists {
		if li > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n', '[')
		for ri, r := range l.rows {
			if ri > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendInt(b, r.id, 10)
			for _, v := range r.vals {
				b = append(b, ',')
				if v == nullString {
					b = append(b, "null"...)
					continue
				}
				b = strconv.AppendInt(b, int64(f.local[v]), 10)
			}
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	return append(b, popupTail...)
}

// pack puts the lists, in order, into files of at most maxBytes: a file takes
// lists until the next would not fit; a list too large for any file has one
// of its own, and bound is then its size.
func (s *popupStore) pack(maxBytes int) (files []*popupFile, bound int) {
	seen := make([]int32, len(s.strs.json))
	local := make([]int32, len(s.strs.json))
	gen := int32(1)
	f := newPopupFile(s.strs, seen, local, gen)
	files = []*popupFile{f}
	bound = maxBytes
	for _, l := range s.lists {
		if !f.add(l, maxBytes) {
			gen += 2 // past this file's marks and their tentative ones
			f = newPopupFile(s.strs, seen, local, gen)
			files = append(files, f)
			f.add(l, maxBytes)
		}
		l.file, l.slot = len(files)-1, len(f.lists)-1
		bound = max(bound, f.size)
	}
	return files, bound
}

// writeDetails writes the shard sets cmu/component_details (file
// DetailShard(id, n) holds {"<id>": [file, list], ...}) and
// cmu/components_at_location (files of at most maxBytes of lists; see
// popupFile).
func writeDetails(w *writer.Writer, comps []record.Component, maxBytes int) error {
	if maxBytes <= 0 {
		maxBytes = DefaultDetailShardMaxBytes
	}
	s := newPopupStore(comps)
	files, listBound := s.pack(maxBytes)
	data := make([][]byte, len(files))
	for i, f := range files {
		data[i] = f.encode()
	}
	if err := writeShardSet(w, "cmu/components_at_location", data, map[string]any{
		"function": "the file cmu/component_details names", "n": len(files), "max_bytes": listBound,
	}); err != nil {
		return err
	}

	sizes := make(map[int64]int, len(s.ids))
	for i, id := range s.ids {
		l := s.of[i]
		sizes[id] = quotedIntLen(id) + 1 + 3 + intLen(int64(l.file)) + intLen(int64(l.slot)) + 1 // "id":[f,l],
	}
	n, bound := chooseShards(s.ids, sizes, maxBytes)
	refs := make([][]byte, n)
	for i, id := range s.ids {
		k := DetailShard(id, n)
		if refs[k] == nil {
			refs[k] = []byte{'{'}
		} else {
			refs[k] = append(refs[k], ',')
		}
		l := s.of[i]
		refs[k] = append(refs[k], '"')
		refs[k] = strconv.AppendInt(refs[k], id, 10)
		refs[k] = append(refs[k], '"', ':', '[')
		refs[k] = strconv.AppendInt(refs[k], int64(l.file), 10)
		refs[k] = append(refs[k], ',')
		refs[k] = strconv.AppendInt(refs[k], int64(l.slot), 10)
		refs[k] = append(refs[k], ']')
	}
	for k, f := range refs {
		if f == nil {
			f = []byte{'{'}
		}
		refs[k] = append(f, "}\n"...)
	}
	return writeShardSet(w, "cmu/component_details", refs, map[string]any{
		"function": "id mod n", "n": n, "max_bytes": bound, "id_field": "id",
	})
}

// writeShardSet writes files[k] as "<k>.json" of shard set name.
func writeShardSet(w *writer.Writer, name string, files [][]byte, params map[string]any) error {
	fs := w.NewFileSet(name)
	for k, f := range files {
		if err := fs.Add(strconv.Itoa(k)+".json", f); err != nil {
			return fmt.Errorf("cmu: %s: %w", name, err)
		}
	}
	if _, err := fs.FinishShardSet(name, "shard", "{shard}.json", params); err != nil {
		return fmt.Errorf("cmu: %s: %w", name, err)
	}
	return nil
}

func intLen(v int64) int {
	if v == math.MinInt64 {
		return 20
	}
	n := 1
	if v < 0 {
		n++
		v = -v
	}
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

func quotedIntLen(v int64) int { return intLen(v) + 2 }

// jsonString is s as JSON text, as encoding/json writes it less the escapes
// of <, > and & (the files are data, never inlined into HTML).
func jsonString(s string) []byte {
	if table.PlainJSON(s) { // most texts: written as they are, without an Encoder
		return append(append(append(make([]byte, 0, len(s)+2), '"'), s...), '"')
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return []byte(strings.TrimSuffix(b.String(), "\n"))
}
