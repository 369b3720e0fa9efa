package table

import (
	"bytes"
	"fmt"
	"io"
	"sync"

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
	var buf bytes.Buffer
	if err := t.WriteArrow(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteArrow writes Arrow's bytes to out, a record batch at a time.
func (t *Table) WriteArrow(out io.Writer) error {
	if err := t.Validate(); err != nil {
		return err
	}
	schema := t.ArrowSchema()
	mem := &reuseAllocator{}
	w, err := ipc.NewFileWriter(out, ipc.WithSchema(schema), ipc.WithAllocator(mem), ipc.WithZstd())
	if err != nil {
		return fmt.Errorf("table %s: arrow: %w", t.Name, err)
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	n := t.Rows()
	var scratch arrowScratch
	for start := 0; start < n || (n == 0 && start == 0); start += RowGroupRows {
		end := min(start+RowGroupRows, n)
		for ci, c := range t.Columns {
			appendArrow(b.Field(ci), c, start, end, &scratch)
		}
		rec := b.NewRecordBatch()
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("table %s: arrow: %w", t.Name, err)
		}
		if n == 0 {
			break
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("table %s: arrow: %w", t.Name, err)
	}
	return nil
}

// appendArrow appends rows start..end of c to fb, a column at a time: one
// AppendValues per column, or for texts with nulls one typed loop (a value
// at a time through the Builder interface and a type switch was half of
// encoding the components table). A null's slot holds the zero value either
// way (the Builder stores 0 or false for a null), so the buffers are byte for
// byte those of appending one value at a time; TestArrowMatchesOneByOne
// checks the files against that. (Texts with nulls keep AppendNull: the
// builder's AppendValues with a validity slice, or reserving room for the
// batch first, sizes a buffer differently, and the file differs.)
func appendArrow(fb array.Builder, c *Column, start, end int, scratch *arrowScratch) {
	var valid []bool
	if c.Valid != nil {
		valid = c.Valid[start:end]
	}
	switch c.Type {
	case Int64:
		fb.(*array.Int64Builder).AppendValues(c.Ints[start:end], valid)
	case Float64:
		fb.(*array.Float64Builder).AppendValues(c.Floats[start:end], valid)
	case Bool:
		fb.(*array.BooleanBuilder).AppendValues(c.Bools[start:end], valid)
	default:
		sb := fb.(*array.StringBuilder)
		if c.Nullable {
			for i := start; i < end; i++ {
				if s, ok := c.StrOrNull(i); ok {
					sb.Append(s)
				} else {
					sb.AppendNull()
				}
			}
			return
		}
		if c.StringAt == nil {
			sb.AppendValues(c.Strings[start:end], nil)
			return
		}
		scratch.strs = scratch.strs[:0]
		for i := start; i < end; i++ {
			scratch.strs = append(scratch.strs, c.StringAt(i))
		}
		sb.AppendValues(scratch.strs, nil)
	}
}

// arrowScratch is a record batch's texts of a StringAt column, reused.
type arrowScratch struct {
	strs []string
}

// reuseAllocator is an Arrow allocator for one file's encoding: the buffers
// of a record batch, freed once it is written, are handed out again for the
// next batches, zeroed, as memory.GoAllocator's fresh ones are. GoAllocator
// lets each batch's buffers (and their copies as they grow, and the
// compressed bodies) go to the garbage collector: at 1M components that was
// 1.6 GB of allocation, a fifth of the bake's, and garbage the collector was
// still marking at the bake's peak. Buffers are kept by capacity, a power of
// two from 64 bytes, 64-byte aligned as GoAllocator aligns them.
// TestArrowMatchesOneByOne holds the files to GoAllocator's.
type reuseAllocator struct {
	mu   sync.Mutex
	free map[int][][]byte // capacity -> buffers free for reuse
}

func (a *reuseAllocator) Allocate(size int) []byte {
	c := 64
	for c < size {
		c <<= 1
	}
	a.mu.Lock()
	if l := a.free[c]; len(l) > 0 {
		b := l[len(l)-1]
		a.free[c] = l[:len(l)-1]
		a.mu.Unlock()
		b = b[:size]
		clear(b)
		return b
	}
	a.mu.Unlock()
	return goAllocator.Allocate(c)[:size]
}

func (a *reuseAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		if n := len(b); size > n {
			clear(b[n:size])
		}
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

func (a *reuseAllocator) Free(b []byte) {
	c := cap(b)
	if c < 64 || c&(c-1) != 0 {
		return // not one of ours (an empty slice): left to the collector
	}
	a.mu.Lock()
	if a.free == nil {
		a.free = map[int][][]byte{}
	}
	a.free[c] = append(a.free[c], b[:0])
	a.mu.Unlock()
}

var goAllocator = memory.NewGoAllocator()
