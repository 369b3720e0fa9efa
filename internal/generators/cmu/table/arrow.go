package table

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ArrowSchema is the table's Arrow schema: int64, float64, bool and plain utf8
// (not dictionary) columns, so that pandas.read_feather gives ordinary object
// columns rather than categoricals.
func (t *Table) ArrowSchema() *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		var dt arrow.DataType
		switch c.Type {
		case Int64:
			dt = arrow.PrimitiveTypes.Int64
		case Float64:
			dt = arrow.PrimitiveTypes.Float64
		case Bool:
			dt = arrow.FixedWidthTypes.Boolean
		default:
			dt = arrow.BinaryTypes.String
		}
		fields[i] = arrow.Field{Name: c.Name, Type: dt, Nullable: c.Nullable}
	}
	return arrow.NewSchema(fields, nil)
}

// Arrow encodes the table as an Arrow IPC file, which is Feather v2: record
// batches of RowGroupRows rows, buffers compressed with ZSTD (which pyarrow's
// feather reader supports, like LZ4; ZSTD gives the smaller file).
func (t *Table) Arrow() ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	schema := t.ArrowSchema()
	mem := memory.NewGoAllocator()
	var buf bytes.Buffer
	w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(schema), ipc.WithAllocator(mem), ipc.WithZstd())
	if err != nil {
		return nil, fmt.Errorf("table %s: arrow: %w", t.Name, err)
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	n := t.Rows()
	for start := 0; start < n || (n == 0 && start == 0); start += RowGroupRows {
		end := min(start+RowGroupRows, n)
		for ci, c := range t.Columns {
			appendArrow(b.Field(ci), c, start, end)
		}
		rec := b.NewRecordBatch()
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			return nil, fmt.Errorf("table %s: arrow: %w", t.Name, err)
		}
		if n == 0 {
			break
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("table %s: arrow: %w", t.Name, err)
	}
	return buf.Bytes(), nil
}

func appendArrow(fb array.Builder, c *Column, start, end int) {
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
