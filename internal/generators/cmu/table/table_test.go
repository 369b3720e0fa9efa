package table_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/generators/cmu/table"
	"github.com/prebake/prebake/internal/testkit/duckcheck"
)

// sample builds a table with every type, nulls, empty and non-ASCII strings,
// negative and fractional floats, and more than one row group.
func sample(t testing.TB, n int) *table.Table {
	t.Helper()
	b := table.NewBuilder("sample", []string{"id"},
		table.Column{Name: "id", Type: table.Int64},
		table.Column{Name: "maybe int", Type: table.Int64, Nullable: true},
		table.Column{Name: "lat", Type: table.Float64, Nullable: true},
		table.Column{Name: "flag", Type: table.Bool},
		table.Column{Name: "maybe flag", Type: table.Bool, Nullable: true},
		table.Column{Name: "name", Type: table.String},
		table.Column{Name: "Note \"quoted\"", Type: table.String, Nullable: true},
	)
	for i := 0; i < n; i++ {
		b.Int(int64(i*7 - 3))
		b.IntOrNull(int64(i*i), i%3 != 0)
		b.FloatOrNull(-2.5+float64(i)*0.1234567, i%5 != 0)
		b.Bool(i%2 == 0)
		b.BoolOrNull(i%4 == 1, i%4 != 0)
		b.Str([]string{"", "Ørsted", "a\nb", "Company " + fmt.Sprint(i%13)}[i%4])
		b.StrOrNull([]string{"", "x", "café, \"Ltd\""}[i%3])
		b.EndRow()
	}
	tb, err := b.Table()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestBuilderErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *table.Builder)
		want  string
	}{
		{"short row", func(b *table.Builder) { b.Int(1); b.EndRow() }, "1 values for 2 columns"},
		{"long row", func(b *table.Builder) { b.Int(1).Str("a").Str("b"); b.EndRow() }, "more values than columns"},
		{"wrong type", func(b *table.Builder) { b.Str("1").Str("a"); b.EndRow() }, `column "id" is int64, got a string value`},
		{"null in required", func(b *table.Builder) { b.IntOrNull(0, false).Str("a"); b.EndRow() }, "null in a non-nullable column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := table.NewBuilder("t", nil, table.Column{Name: "id", Type: table.Int64}, table.Column{Name: "s", Type: table.String})
			tt.build(b)
			_, err := b.Table()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestValidateRejectsNaN(t *testing.T) {
	b := table.NewBuilder("t", nil, table.Column{Name: "f", Type: table.Float64})
	b.FloatOrNull(math.NaN(), true)
	b.EndRow()
	if _, err := b.Table(); err == nil || !strings.Contains(err.Error(), `column "f" row 0`) {
		t.Fatalf("err = %v, want a NaN error naming column and row", err)
	}
}

// TestJSONSplit: pandas' "split" orientation, columns once, one row per line,
// values in column order, nulls as null, no HTML escapes.
func TestJSONSplit(t *testing.T) {
	tb := sample(t, 6)
	data, err := tb.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Columns []string `json:"columns"`
		Data    [][]any  `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("JSON does not parse: %v", err)
	}
	if want := []string{"id", "maybe int", "lat", "flag", "maybe flag", "name", "Note \"quoted\""}; !reflect.DeepEqual(got.Columns, want) {
		t.Errorf("columns %q, want %q", got.Columns, want)
	}
	if len(got.Data) != 6 {
		t.Fatalf("%d rows, want 6", len(got.Data))
	}
	// Row 0: maybe int null (0%3==0), lat null (0%5==0), note null ("").
	if want0 := []any{-3.0, nil, nil, true, nil, "", nil}; !reflect.DeepEqual(got.Data[0], want0) {
		t.Errorf("row 0 = %v, want %v", got.Data[0], want0)
	}
	if want2 := []any{11.0, 4.0, -2.5 + 2*0.1234567, true, false, "a\nb", "café, \"Ltd\""}; !reflect.DeepEqual(got.Data[2], want2) {
		t.Errorf("row 2 = %v, want %v", got.Data[2], want2)
	}
	if n := bytes.Count(data, []byte("\n")); n != 6+1+1 {
		t.Errorf("%d lines, want a header line, one per row and the closing one", n)
	}
	b := table.NewBuilder("t", nil, table.Column{Name: "s", Type: table.String})
	b.Str("<A & B>").EndRow()
	tb2, _ := b.Table()
	if data, _ := tb2.JSON(); !bytes.Contains(data, []byte(`"<A & B>"`)) {
		t.Errorf("HTML characters escaped: %s", data)
	}
}

func TestEncodingsAreDeterministic(t *testing.T) {
	for _, enc := range []struct {
		name string
		f    func(*table.Table) ([]byte, error)
	}{{"parquet", (*table.Table).Parquet}, {"arrow", (*table.Table).Arrow}, {"json", (*table.Table).JSON}} {
		a, err := enc.f(sample(t, 9000))
		if err != nil {
			t.Fatal(err)
		}
		b, err := enc.f(sample(t, 9000))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two encodings of the same table differ", enc.name)
		}
	}
}

// TestIndependentReaders reads the Parquet and Arrow encodings with DuckDB and
// apache-arrow and compares row counts, types, nullability, row groups and
// every column's checksum with the Go side.
func TestIndependentReaders(t *testing.T) {
	for _, n := range []int{0, 1, table.RowGroupRows*2 + 17} {
		t.Run(fmt.Sprint(n, " rows"), func(t *testing.T) {
			tb := sample(t, n)
			dir := t.TempDir()
			pq, err := tb.Parquet()
			if err != nil {
				t.Fatal(err)
			}
			ar, err := tb.Arrow()
			if err != nil {
				t.Fatal(err)
			}
			pqPath, arPath := filepath.Join(dir, "t.parquet"), filepath.Join(dir, "t.arrow")
			if err := os.WriteFile(pqPath, pq, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(arPath, ar, 0o644); err != nil {
				t.Fatal(err)
			}
			got := duckcheck.Read(t, pqPath, arPath)
			CompareWithReader(t, tb, got[pqPath], "parquet")
			CompareWithReader(t, tb, got[arPath], "arrow")
			if n > table.RowGroupRows {
				if want := []int{table.RowGroupRows, table.RowGroupRows, 17}; !reflect.DeepEqual(got[pqPath].RowGroups, want) {
					t.Errorf("parquet row groups %v, want %v", got[pqPath].RowGroups, want)
				}
				if want := []int{table.RowGroupRows, table.RowGroupRows, 17}; !reflect.DeepEqual(got[arPath].RecordBatches, want) {
					t.Errorf("arrow record batches %v, want %v", got[arPath].RecordBatches, want)
				}
			}
			if n > 0 && !reflect.DeepEqual(got[pqPath].Compression, []string{"ZSTD"}) {
				t.Errorf("parquet compression %v, want [ZSTD]", got[pqPath].Compression)
			}
			CheckParquetLayout(t, tb, got[pqPath])
		})
	}
}

// CompareWithReader checks what an independent reader found against the table.
func CompareWithReader(t *testing.T, tb *table.Table, got duckcheck.File, format string) {
	t.Helper()
	if got.Rows != tb.Rows() {
		t.Errorf("%s %s: reader found %d rows, want %d", format, tb.Name, got.Rows, tb.Rows())
	}
	if len(got.Columns) != len(tb.Columns) {
		t.Fatalf("%s %s: reader found %d columns %v, want %d", format, tb.Name, len(got.Columns), got.Columns, len(tb.Columns))
	}
	want := tb.Checksums()
	for i, c := range tb.Columns {
		g := got.Columns[i]
		if g.Name != c.Name || g.Type != string(c.Type) || g.Nullable != c.Nullable {
			t.Errorf("%s %s: column %d is %+v, want %s %s nullable=%v", format, tb.Name, i, g, c.Name, c.Type, c.Nullable)
		}
		if gc := got.Checksums[c.Name]; gc != want[c.Name] {
			t.Errorf("%s %s: column %q checksum %+v, want %+v", format, tb.Name, c.Name, gc, want[c.Name])
		}
	}
}

// CheckParquetLayout checks what the table promises about its Parquet layout:
// statistics on every column chunk, dictionary-encoded strings, the sort key in
// the metadata and a created_by without a build-dependent hash.
func CheckParquetLayout(t *testing.T, tb *table.Table, got duckcheck.File) {
	t.Helper()
	if want := (tb.Rows() + table.RowGroupRows - 1) / table.RowGroupRows; len(got.ColumnChunks) != want*len(tb.Columns) {
		t.Errorf("%s: %d column chunks, want %d", tb.Name, len(got.ColumnChunks), want*len(tb.Columns))
	}
	types := map[string]table.Type{}
	for _, c := range tb.Columns {
		types[c.Name] = c.Type
	}
	for _, c := range got.ColumnChunks {
		if !c.HasStats {
			t.Errorf("%s: row group %d column %q has no statistics", tb.Name, c.RowGroup, c.Column)
		}
		if types[c.Column] == table.String && !strings.Contains(c.Encodings, "RLE_DICTIONARY") {
			t.Errorf("%s: row group %d column %q encodings %q, want dictionary", tb.Name, c.RowGroup, c.Column, c.Encodings)
		}
	}
	if got.KeyValue["prebake.sort_key"] != strings.Join(tb.SortKey, ",") {
		t.Errorf("%s: sort key metadata %q, want %q", tb.Name, got.KeyValue["prebake.sort_key"], strings.Join(tb.SortKey, ","))
	}
	if got.CreatedBy != "prebake version 1 (build parquet-go)" {
		t.Errorf("%s: created_by %q", tb.Name, got.CreatedBy)
	}
}

func BenchmarkEncode(b *testing.B) {
	tb := sample(b, 50000)
	for _, enc := range []struct {
		name string
		f    func(*table.Table) ([]byte, error)
	}{{"parquet", (*table.Table).Parquet}, {"arrow", (*table.Table).Arrow}, {"json", (*table.Table).JSON}} {
		b.Run(enc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				data, err := enc.f(tb)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(data)))
			}
		})
	}
}

// TestStrOrNull holds StrOrNull to IsNull and Str on every kind of String
// column: Strings with and without validity flags, StringAt nullable (where
// "" is null) and not.
func TestStrOrNull(t *testing.T) {
	texts := []string{"a", "", "b"}
	at := func(i int) string { return texts[i] }
	for _, c := range []*table.Column{
		{Name: "plain", Type: table.String, Strings: texts},
		{Name: "valid", Type: table.String, Nullable: true, Strings: texts, Valid: []bool{true, true, false}},
		{Name: "at nullable", Type: table.String, Nullable: true, StringAt: at, Count: 3},
		{Name: "at", Type: table.String, StringAt: at, Count: 3},
	} {
		for i := range texts {
			s, ok := c.StrOrNull(i)
			if ok == c.IsNull(i) || ok && s != c.Str(i) {
				t.Errorf("%s row %d: StrOrNull = %q, %v; IsNull %v, Str %q", c.Name, i, s, ok, c.IsNull(i), c.Str(i))
			}
		}
	}
}

// chunks records the writes it is given.
type chunks struct {
	bytes.Buffer
	writes int
}

func (c *chunks) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

// TestWriteEqualsWhole: WriteJSON and WriteArrow, which hand their bytes to a
// writer as they go (the bake streams them into the output), give JSON's and
// Arrow's bytes, for tables too small to flush and large enough to flush many
// times (with the sizing JSON applies past its first rows).
func TestWriteEqualsWhole(t *testing.T) {
	for _, n := range []int{0, 1, 9000, 70000} {
		tb := sample(t, n)
		for _, enc := range []struct {
			name  string
			whole func(*table.Table) ([]byte, error)
			write func(*table.Table, io.Writer) error
		}{{"json", (*table.Table).JSON, (*table.Table).WriteJSON}, {"arrow", (*table.Table).Arrow, (*table.Table).WriteArrow}} {
			want, err := enc.whole(tb)
			if err != nil {
				t.Fatal(err)
			}
			var got chunks
			if err := enc.write(tb, &got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%d rows, %s: written %d bytes, whole %d, not the same bytes", n, enc.name, got.Len(), len(want))
			}
			if enc.name == "json" && n == 70000 && len(want) < 3<<20 {
				t.Fatalf("%d rows make %d bytes of JSON, too few to flush several times", n, len(want))
			}
			if enc.name == "json" && len(want) > 3<<20 && got.writes < 3 {
				t.Errorf("%d rows: %d bytes of JSON written in %d pieces: not streamed", n, len(want), got.writes)
			}
		}
	}
}
