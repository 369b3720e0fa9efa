// Package table holds a small typed, column-oriented table and encodes it three
// ways from the same columns: Parquet, Arrow IPC file (Feather v2) and JSON
// records. Writing all three from one column list keeps the formats in step: a
// column that is not in the list is in none of them.
package table

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/prebake/prebake/manifest"
)

// Type is a column's value type.
type Type string

// The column types a table can hold.
const (
	Int64   Type = "int64"
	Float64 Type = "float64"
	Bool    Type = "bool"
	String  Type = "string"
)

// Column is one named, typed column. Exactly one of the value slices is used,
// the one matching Type (or, for a String column, StringAt instead of Strings).
// Valid marks non-null rows; it is nil when the column has no nulls. A
// non-nullable column must have no nulls.
type Column struct {
	Name     string
	Type     Type
	Nullable bool

	Ints    []int64
	Floats  []float64
	Bools   []bool
	Strings []string
	Valid   []bool

	// StringAt, when set, gives a String column's row i in place of Strings,
	// for Count rows; with Nullable, "" is null (as Builder.StrOrNull makes
	// it), else "" is a value. A table over records already in memory then
	// holds no copy of their texts' headers: cmu/components at 1M components
	// had 21 columns of 16-byte headers, a third of a GB, at the bake's peak.
	StringAt func(i int) string
	Count    int

	rows int // the rows a Builder expects (Builder.Grow): Valid's capacity when a null first comes
}

// Len is the column's number of rows.
func (c *Column) Len() int {
	switch c.Type {
	case Int64:
		return len(c.Ints)
	case Float64:
		return len(c.Floats)
	case Bool:
		return len(c.Bools)
	default:
		if c.StringAt != nil {
			return c.Count
		}
		return len(c.Strings)
	}
}

// IsNull reports whether row i is null.
func (c *Column) IsNull(i int) bool {
	if c.StringAt != nil {
		return c.Nullable && c.StringAt(i) == ""
	}
	return c.Valid != nil && !c.Valid[i]
}

// StrOrNull is a String column's row i and whether it is not null: IsNull
// and Str at once, which for a StringAt column asks for the text once rather
// than twice (the encoders read every text of cmu/components this way).
func (c *Column) StrOrNull(i int) (string, bool) {
	if c.StringAt != nil {
		s := c.StringAt(i)
		return s, !c.Nullable || s != ""
	}
	return c.Strings[i], c.Valid == nil || c.Valid[i]
}

// Str is a String column's row i (Strings[i], or StringAt(i)).
func (c *Column) Str(i int) string {
	if c.StringAt != nil {
		return c.StringAt(i)
	}
	return c.Strings[i]
}

// Table is a named list of equally long columns.
type Table struct {
	Name    string // schema name, e.g. "components"
	Columns []*Column
	// SortKey names the columns the rows are sorted by, recorded in the Parquet
	// metadata (sorting_columns) so that readers can rely on it. A name with a
	// leading "-" is sorted descending with nulls first (PostgreSQL's ORDER BY
	// ... DESC); others ascending.
	SortKey []string
}

// Column returns the column named name, nil when there is none.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Rows is the number of rows.
func (t *Table) Rows() int {
	if len(t.Columns) == 0 {
		return 0
	}
	return t.Columns[0].Len()
}

// Validate checks that the table is well formed: named, unique, equally long
// columns of a known type, nulls only where allowed, and finite floats (JSON and
// the app cannot carry NaN or infinities).
func (t *Table) Validate() error {
	if len(t.Columns) == 0 {
		return fmt.Errorf("table %s: no columns", t.Name)
	}
	seen := map[string]bool{}
	n := t.Columns[0].Len()
	for _, c := range t.Columns {
		if c.Name == "" {
			return fmt.Errorf("table %s: column with no name", t.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("table %s: column %q twice", t.Name, c.Name)
		}
		seen[c.Name] = true
		switch c.Type {
		case Int64, Float64, Bool, String:
		default:
			return fmt.Errorf("table %s: column %q: unknown type %q", t.Name, c.Name, c.Type)
		}
		if c.StringAt != nil && (c.Type != String || c.Strings != nil || c.Valid != nil) {
			return fmt.Errorf("table %s: column %q: StringAt is for a String column without Strings or Valid", t.Name, c.Name)
		}
		if c.Len() != n {
			return fmt.Errorf("table %s: column %q has %d rows, want %d", t.Name, c.Name, c.Len(), n)
		}
		if c.Valid != nil {
			if len(c.Valid) != n {
				return fmt.Errorf("table %s: column %q: %d validity flags for %d rows", t.Name, c.Name, len(c.Valid), n)
			}
			if !c.Nullable {
				for i, v := range c.Valid {
					if !v {
						return fmt.Errorf("table %s: column %q row %d: null in a non-nullable column", t.Name, c.Name, i)
					}
				}
			}
		}
		if c.Type == Float64 {
			for i, f := range c.Floats {
				if !c.IsNull(i) && (math.IsNaN(f) || math.IsInf(f, 0)) {
					return fmt.Errorf("table %s: column %q row %d: %v is not a finite number", t.Name, c.Name, i, f)
				}
			}
		}
	}
	for _, k := range t.SortKey {
		if !seen[strings.TrimPrefix(k, "-")] {
			return fmt.Errorf("table %s: sort key %q is not a column", t.Name, k)
		}
	}
	return nil
}

// ManifestColumns describes the columns for the manifest.
func (t *Table) ManifestColumns() []manifest.Column {
	out := make([]manifest.Column, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = manifest.Column{Name: c.Name, Type: string(c.Type), Nullable: c.Nullable}
	}
	return out
}

// Builder appends rows to a table one value at a time, column by column in
// order, so that generator code reads like the row it writes.
type Builder struct {
	t   *Table
	col int
	err error
}

// NewBuilder starts a table with the given columns (Name, Type and Nullable set,
// no values).
func NewBuilder(name string, sortKey []string, cols ...Column) *Builder {
	t := &Table{Name: name, SortKey: sortKey}
	for i := range cols {
		c := cols[i]
		t.Columns = append(t.Columns, &c)
	}
	return &Builder{t: t}
}

// Grow makes room for rows more rows in every column, so that a table whose
// size is known is built without growing its columns (at 1M components the
// growing columns of cmu/components were a tenth of the bake's allocation).
func (b *Builder) Grow(rows int) *Builder {
	for _, c := range b.t.Columns {
		c.rows = c.Len() + rows
		switch c.Type {
		case Int64:
			c.Ints = slices.Grow(c.Ints, rows)
		case Float64:
			c.Floats = slices.Grow(c.Floats, rows)
		case Bool:
			c.Bools = slices.Grow(c.Bools, rows)
		case String:
			c.Strings = slices.Grow(c.Strings, rows)
		}
		if c.Valid != nil {
			c.Valid = slices.Grow(c.Valid, rows)
		}
	}
	return b
}

func (b *Builder) next(typ Type) *Column {
	if b.col >= len(b.t.Columns) {
		if b.err == nil {
			b.err = fmt.Errorf("table %s: more values than columns in a row", b.t.Name)
		}
		return nil
	}
	c := b.t.Columns[b.col]
	b.col++
	if c.Type != typ && b.err == nil {
		b.err = fmt.Errorf("table %s: column %q is %s, got a %s value", b.t.Name, c.Name, c.Type, typ)
	}
	return c
}

func (c *Column) markValid(valid bool) {
	if c.Valid == nil {
		if valid {
			return
		}
		c.Valid = make([]bool, c.Len(), max(c.Len()+1, c.rows))
		for i := range c.Valid {
			c.Valid[i] = true
		}
	}
	c.Valid = append(c.Valid, valid)
}

// Int appends an integer.
func (b *Builder) Int(v int64) *Builder {
	if c := b.next(Int64); c != nil && c.Type == Int64 {
		c.markValid(true)
		c.Ints = append(c.Ints, v)
	}
	return b
}

// IntOrNull appends v, or null when ok is false.
func (b *Builder) IntOrNull(v int64, ok bool) *Builder {
	if c := b.next(Int64); c != nil && c.Type == Int64 {
		c.markValid(ok)
		if !ok {
			v = 0
		}
		c.Ints = append(c.Ints, v)
	}
	return b
}

// Float appends a float, or null when p is nil.
func (b *Builder) Float(p *float64) *Builder {
	if c := b.next(Float64); c != nil && c.Type == Float64 {
		c.markValid(p != nil)
		v := 0.0
		if p != nil {
			v = *p
		}
		c.Floats = append(c.Floats, v)
	}
	return b
}

// FloatOrNull appends v, or null when ok is false.
func (b *Builder) FloatOrNull(v float64, ok bool) *Builder {
	if !ok {
		return b.Float(nil)
	}
	return b.Float(&v)
}

// Bool appends a boolean.
func (b *Builder) Bool(v bool) *Builder {
	if c := b.next(Bool); c != nil && c.Type == Bool {
		c.markValid(true)
		c.Bools = append(c.Bools, v)
	}
	return b
}

// BoolOrNull appends v, or null when ok is false.
func (b *Builder) BoolOrNull(v, ok bool) *Builder {
	if c := b.next(Bool); c != nil && c.Type == Bool {
		c.markValid(ok)
		c.Bools = append(c.Bools, v && ok)
	}
	return b
}

// Str appends a string as is.
func (b *Builder) Str(v string) *Builder {
	if c := b.next(String); c != nil && c.Type == String {
		c.markValid(true)
		c.Strings = append(c.Strings, v)
	}
	return b
}

// StrOrNull appends v, or null when v is empty: the record model uses "" for
// absent values, the tables use null.
func (b *Builder) StrOrNull(v string) *Builder {
	if c := b.next(String); c != nil && c.Type == String {
		c.markValid(v != "")
		c.Strings = append(c.Strings, v)
	}
	return b
}

// EndRow finishes a row; every column must have had a value.
func (b *Builder) EndRow() {
	if b.col != len(b.t.Columns) && b.err == nil {
		b.err = fmt.Errorf("table %s: row has %d values for %d columns", b.t.Name, b.col, len(b.t.Columns))
	}
	b.col = 0
}

// Table returns the built table, validated.
func (b *Builder) Table() (*Table, error) {
	if b.err != nil {
		return nil, b.err
	}
	if err := b.t.Validate(); err != nil {
		return nil, err
	}
	return b.t, nil
}
