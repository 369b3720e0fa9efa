package table

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// RowGroupRows is the number of rows per Parquet row group (and per Arrow record
// batch). A remote reader (DuckDB over HTTP, a browser) fetches the footer, then
// only the row groups whose statistics match its filter; 8,192 rows keep a row
// group of the widest table (components) at a few hundred kilobytes compressed,
// one range request each, while leaving the cmus table (16k rows in production)
// only two dictionaries to repeat.
const RowGroupRows = 8192

// zstdCodec trades a little bake time for smaller files; the codec is
// deterministic (single-threaded EncodeAll).
var zstdCodec = &zstd.Codec{Level: zstd.SpeedBetterCompression}

// orderedGroup is a Parquet group whose fields keep the table's column order
// (parquet.Group is a map and would sort them by name).
type orderedGroup struct {
	parquet.Group
	order []string
}

func (g orderedGroup) Fields() []parquet.Field {
	fields := slices.Clone(g.Group.Fields())
	rank := map[string]int{}
	for i, n := range g.order {
		rank[n] = i
	}
	slices.SortStableFunc(fields, func(a, b parquet.Field) int { return rank[a.Name()] - rank[b.Name()] })
	return fields
}

func (t *Table) parquetSchema() *parquet.Schema {
	g := orderedGroup{Group: parquet.Group{}}
	for _, c := range t.Columns {
		var n parquet.Node
		switch c.Type {
		case Int64:
			n = parquet.Int(64)
		case Float64:
			n = parquet.Leaf(parquet.DoubleType)
		case Bool:
			n = parquet.Leaf(parquet.BooleanType)
		case String:
			// Dictionary-encoded: company names, auctions, categories repeat a lot.
			n = parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
		}
		n = parquet.Compressed(n, zstdCodec)
		if c.Nullable {
			n = parquet.Optional(n)
		} else {
			n = parquet.Required(n)
		}
		g.Group[c.Name] = n
		g.order = append(g.order, c.Name)
	}
	return parquet.NewSchema(t.Name, g)
}

// Parquet encodes the table as a Parquet file: zstd, dictionary-encoded strings,
// column chunk statistics and a page index (per-page bounds: strings cut to
// PageIndexTruncate bytes on a UTF-8 boundary, zeros signed as the format
// requires; see fixStatistics), RowGroupRows rows per row group, and the sort
// key recorded as the row groups' sorting columns.
func (t *Table) Parquet() ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	schema := t.parquetSchema()
	var sorting []parquet.SortingColumn
	for _, k := range t.SortKey {
		if name, desc := strings.CutPrefix(k, "-"); desc {
			sorting = append(sorting, parquet.NullsFirst(parquet.Descending(name)))
		} else {
			sorting = append(sorting, parquet.Ascending(k))
		}
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, schema,
		// The library's default created_by carries a build hash that differs
		// between binaries; this one depends on nothing. (The trailing space
		// makes up for the library's format, "%s version %s(build %s)".)
		parquet.CreatedBy("prebake", "1 ", "parquet-go"),
		parquet.KeyValueMetadata("prebake.sort_key", strings.Join(t.SortKey, ",")),
		parquet.MaxRowsPerRowGroup(RowGroupRows),
		// Page bounds go to the page index only, untruncated here: fixStatistics
		// truncates them on UTF-8 boundaries and fixes signed zeros.
		parquet.DataPageStatistics(false),
		parquet.ColumnIndexSizeLimit(func([]string) int { return math.MaxInt32 }),
		parquet.SortingWriterConfig(parquet.SortingColumns(sorting...)),
	)
	n := t.Rows()
	const batch = 1024
	rows := make([]parquet.Row, 0, batch)
	// One backing array for a batch's values: the writer copies what it keeps.
	values := make([]parquet.Value, batch*len(t.Columns))
	for start := 0; start < n; start += len(rows) {
		rows = rows[:0]
		for i := start; i < n && len(rows) < cap(rows); i++ {
			row := values[len(rows)*len(t.Columns) : (len(rows)+1)*len(t.Columns)]
			for ci, c := range t.Columns {
				row[ci] = parquetValue(c, i, ci)
			}
			rows = append(rows, row)
		}
		if _, err := w.WriteRows(rows); err != nil {
			return nil, fmt.Errorf("table %s: parquet: %w", t.Name, err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("table %s: parquet: %w", t.Name, err)
	}
	out, err := fixStatistics(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	return out, nil
}

func parquetValue(c *Column, i, ci int) parquet.Value {
	if c.Type == String {
		return parquetString(c, i, ci)
	}
	def := 0
	if c.Nullable {
		if c.IsNull(i) {
			return parquet.NullValue().Level(0, 0, ci)
		}
		def = 1
	}
	var v parquet.Value
	switch c.Type {
	case Int64:
		v = parquet.Int64Value(c.Ints[i])
	case Float64:
		v = parquet.DoubleValue(c.Floats[i])
	case Bool:
		v = parquet.BooleanValue(c.Bools[i])
	}
	return v.Level(0, def, ci)
}

// parquetString is parquetValue of a String column, its text asked for once
// (Column.StrOrNull).
func parquetString(c *Column, i, ci int) parquet.Value {
	s, ok := c.StrOrNull(i)
	if !ok {
		return parquet.NullValue().Level(0, 0, ci)
	}
	def := 0
	if c.Nullable {
		def = 1
	}
	// The string's own bytes, not a copy: the writer copies values into its
	// page and dictionary buffers and never writes to them (a copy per string
	// was a tenth of the table's encoding time, in allocation and garbage
	// collection).
	return parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(s), len(s))).Level(0, def, ci)
}
