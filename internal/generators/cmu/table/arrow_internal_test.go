package table

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// arrowOneByOne is Arrow as it was before appendArrow took a column at a
// time: every value appended on its own, AppendNull for each null.
func arrowOneByOne(t *Table) ([]byte, error) {
	schema := t.ArrowSchema()
	mem := memory.NewGoAllocator()
	var buf bytes.Buffer
	w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(schema), ipc.WithAllocator(mem), ipc.WithZstd())
	if err != nil {
		return nil, err
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	n := t.Rows()
	for start := 0; start < n || (n == 0 && start == 0); start += RowGroupRows {
		end := min(start+RowGroupRows, n)
		for ci, c := range t.Columns {
			fb := b.Field(ci)
			for i := start; i < end; i++ {
				if c.IsNull(i) {
					fb.AppendNull()
					continue
				}
				switch c.Type {
				case Int64:
					fb.(*array.Int64Builder).Append(c.Ints[i])
				case Float64:
					fb.(*array.Float64Builder).Append(c.Floats[i])
				case Bool:
					fb.(*array.BooleanBuilder).Append(c.Bools[i])
				default:
					fb.(*array.StringBuilder).Append(c.Str(i))
				}
			}
		}
		rec := b.NewRecordBatch()
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TestArrowMatchesOneByOne: the Arrow file appended a column at a time is
// byte for byte the file appended a value at a time, for every column type
// with and without nulls, texts held (Strings) and read (StringAt, nullable
// and not), one batch, several batches and a last partial one, and no rows.
func TestArrowMatchesOneByOne(t *testing.T) {
	for _, n := range []int{0, 1, 7, RowGroupRows, 2*RowGroupRows + 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			texts := make([]string, n)
			for i := range texts {
				switch i % 4 {
				case 0:
					texts[i] = fmt.Sprintf("text %d é", i)
				case 1:
					texts[i] = ""
				default:
					texts[i] = fmt.Sprint(i % 13)
				}
			}
			b := NewBuilder("t", nil,
				Column{Name: "id", Type: Int64},
				Column{Name: "maybe int", Type: Int64, Nullable: true},
				Column{Name: "x", Type: Float64},
				Column{Name: "maybe x", Type: Float64, Nullable: true},
				Column{Name: "flag", Type: Bool},
				Column{Name: "maybe flag", Type: Bool, Nullable: true},
				Column{Name: "name", Type: String},
				Column{Name: "maybe name", Type: String, Nullable: true},
			)
			for i := range n {
				f := float64(i) / 3
				var fp *float64
				if i%3 != 0 {
					fp = &f
				}
				b.Int(int64(i)).IntOrNull(int64(i*5), i%2 == 0).Float(&f).Float(fp).
					Bool(i%3 == 1).BoolOrNull(i%5 == 1, i%4 != 0).Str(texts[i]).StrOrNull(texts[i]).EndRow()
			}
			tb, err := b.Table()
			if err != nil {
				t.Fatal(err)
			}
			tb.Columns = append(tb.Columns,
				&Column{Name: "read", Type: String, StringAt: func(i int) string { return texts[i] }, Count: n},
				&Column{Name: "maybe read", Type: String, Nullable: true, StringAt: func(i int) string { return texts[i] }, Count: n})
			got, err := tb.Arrow()
			if err != nil {
				t.Fatal(err)
			}
			want, err := arrowOneByOne(tb)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%d rows: %d bytes differ from the %d appended one by one", n, len(got), len(want))
			}
		})
	}
}

// TestPlainJSONMatchesEncoder: every string PlainJSON passes is written by
// encoding/json (HTML escaping off, as Table.JSON's Encoder) as itself
// between quotes, and each byte it refuses is one the encoder escapes or
// may (non-ASCII, which it checks for validity and U+2028/U+2029).
func TestPlainJSONMatchesEncoder(t *testing.T) {
	for c := 0; c < 256; c++ {
		s := "a" + string([]byte{byte(c)}) + "b"
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		verbatim := buf.String() == `"`+s+`"`+"\n"
		if PlainJSON(s) && !verbatim {
			t.Errorf("byte %#x: PlainJSON passes it, encoding/json writes %q", c, buf.String())
		}
		if !PlainJSON(s) && c < 0x80 && verbatim {
			t.Errorf("byte %#x: PlainJSON refuses it, encoding/json writes it as it is", c)
		}
	}
	for _, s := range []string{"", "CMU ID", "Ørsted", "a<b>&c", "T-4 2024-25 <x>"} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		if PlainJSON(s) && buf.String() != `"`+s+`"`+"\n" {
			t.Errorf("%q: PlainJSON passes it, encoding/json writes %q", s, buf.String())
		}
	}
}
