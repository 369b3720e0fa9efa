package maptiles

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/prebake/prebake/internal/appview"
	"github.com/prebake/prebake/internal/record"
)

// The columns of a file (scheme prebake-cluster-tree/3; see the package
// documentation, File format). A GeoJSON Feature repeated its keys, its
// geometry's and type's boilerplate and the values clients can derive in every
// feature; as columns a file is about a third of the GeoJSON it decodes to.
var (
	clusterColumns = []string{"id", "x", "y", "count", "components", "expansion_zoom", "mw", "minzoom", "maxzoom"}
	// catColumn is the all layer's extra cluster column: per cluster the
	// flattened pairs [category index, components of that category, ...].
	catColumn    = "categories"
	pointColumns = []string{"ids", "lng", "lat", "minzoom", "mw"}
	// pointStrings are the point columns that hold indexes into the file's
	// "strings" (nullString for null, and locationURL in detailUrl), in the order
	// of the /api/map-data/ properties.
	pointStrings = []string{"cmu_id", "title", "technology", "display_technology", "company", "description",
		"delivery_year", "auction_name", "detailUrl"}
)

// stringTable interns a layer's point strings; each file lists the ones it
// uses, in order of first use.
type stringTable struct {
	ids    map[string]int32
	quoted [][]byte // JSON text of each string
}

const (
	nullString = -1
	// locationURL in the detailUrl column stands for the app's location page of
	// the point's title, "/location/by-name/" + quote(title, safe="") + "/"
	// (appview.LocationURL): a third of a file's bytes were these URLs, whose
	// percent-encoding makes them longer than the title they repeat.
	locationURL = -2
)

func (t *stringTable) id(s string) int32 {
	if t.ids == nil {
		t.ids = map[string]int32{}
	}
	i, ok := t.ids[s]
	if !ok {
		i = int32(len(t.quoted))
		t.ids[s] = i
		t.quoted = append(t.quoted, appendString(nil, s))
	}
	return i
}

// appendPointStrings appends to dst the string columns (pointStrings order) of
// a point feature whose representative is c, as /api/map-data/ gives them:
// technology the raw class (or Unknown), display_technology the category,
// delivery_year a string (null when unknown), title and detailUrl the app's.
func (t *stringTable) appendPointStrings(dst []int32, c *record.Component) []int32 {
	year := int32(nullString)
	if y, ok := appview.Year(c.DeliveryYear); ok {
		year = t.id(y)
	}
	url := int32(locationURL)
	if c.LocationText == "" || !utf8.ValidString(c.LocationText) {
		// The component page, or a location text the file's JSON cannot carry
		// byte for byte (invalid UTF-8 becomes U+FFFD): the URL itself.
		url = t.id(appview.DetailURL(c))
	}
	return append(dst, t.id(c.CMUID), t.id(appview.Title(c)), t.id(rawTechnology(c)), t.id(string(c.Category)),
		t.id(c.Company), t.id(c.Description), year, t.id(c.AuctionName), url)
}

// fileSkeleton is the size of a file with every section and column and no
// values: what a file costs besides its features and strings, at most.
func fileSkeleton(withCats bool) int {
	n := len(`{"strings":[],"clusters":{},"points":{}}` + "\n")
	cols := append(append(append([]string{}, clusterColumns...), pointColumns...), pointStrings...)
	if withCats {
		cols = append(cols, catColumn)
	}
	for _, c := range cols {
		n += len(`"":[],`) + len(c)
	}
	return n
}

// fileEncoder writes files of one layer; its scratch space is reused.
type fileEncoder struct {
	feats    []feature
	strs     *stringTable
	withCats bool
	local    []int32 // string id -> index in the current file
	stamp    []int32 // string id -> file number that set local
	file     int32
	order    []int32 // the current file's strings, by string id
	cur      []int   // per feature: where its next value starts in vals
}

// encode writes the file holding feats[ids] (in that order): the strings they
// use, then the clusters' and the points' columns; a section without features
// is left out.
func (e *fileEncoder) encode(ids []int32, sizeHint int) []byte {
	e.file++
	if e.local == nil {
		e.local = make([]int32, len(e.strs.quoted))
		e.stamp = make([]int32, len(e.strs.quoted))
	}
	var cl, pt []int32
	e.order = e.order[:0]
	for _, id := range ids {
		f := &e.feats[id]
		if f.strs == nil {
			cl = append(cl, id)
			continue
		}
		pt = append(pt, id)
		for _, s := range f.strs {
			if s >= 0 && e.stamp[s] != e.file {
				e.stamp[s] = e.file
				e.local[s] = int32(len(e.order))
				e.order = append(e.order, s)
			}
		}
	}
	b := make([]byte, 0, sizeHint)
	b = append(b, `{"strings":[`...)
	for i, s := range e.order {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.strs.quoted[s]...)
	}
	b = append(b, ']')
	if len(cl) > 0 {
		cols := clusterColumns
		if e.withCats {
			cols = append(cols[:len(cols):len(cols)], catColumn)
		}
		b = e.section(b, "clusters", cl, cols, nil)
	}
	if len(pt) > 0 {
		b = e.section(b, "points", pt, pointColumns, pointStrings)
	}
	return append(b, "}\n"...)
}

// section appends `,"name":{"col":[...],...}`: the value columns from the
// features' vals, then the string columns as indexes into the file's strings.
func (e *fileEncoder) section(b []byte, name string, ids []int32, cols, strCols []string) []byte {
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":{`...)
	e.cur = e.cur[:0]
	for range ids {
		e.cur = append(e.cur, 0)
	}
	for k, col := range cols {
		b = columnHead(b, k, col)
		for i, id := range ids {
			if i > 0 {
				b = append(b, ',')
			}
			v := e.feats[id].vals[e.cur[i]:]
			end := bytes.IndexByte(v, 0)
			b = append(b, v[:end]...)
			e.cur[i] += end + 1
		}
		b = append(b, ']')
	}
	for k, col := range strCols {
		b = columnHead(b, len(cols)+k, col)
		for i, id := range ids {
			if i > 0 {
				b = append(b, ',')
			}
			s := e.feats[id].strs[k]
			if s < 0 {
				b = strconv.AppendInt(b, int64(s), 10)
			} else {
				b = strconv.AppendInt(b, int64(e.local[s]), 10)
			}
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func columnHead(b []byte, k int, col string) []byte {
	if k > 0 {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, col...)
	return append(b, `":[`...)
}
