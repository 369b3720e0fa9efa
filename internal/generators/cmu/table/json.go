package table

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
)

// JSON encodes the table in pandas' "split" orientation without an index:
//
//	{"columns": ["CMU ID", ...],
//	 "data": [
//	 ["ABC1", ...],
//	 ...]}
//
// one row per line (diffs stay readable), values in column order, nulls as
// null. pandas.read_json(f, orient="split", dtype=False) gives the table's
// columns with a RangeIndex; the column names are written once rather than once
// per row, as records would (a third of the bytes of the app's CMU frame).
// Strings are written as encoding/json writes them, except that <, > and & are
// not escaped (the files are data, never inlined into HTML).
func (t *Table) JSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := t.encodeJSON(&buf, nil); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteJSON writes JSON's bytes to out, a row at a time, never holding more
// than about flushSize bytes of them.
func (t *Table) WriteJSON(out io.Writer) error {
	var buf bytes.Buffer
	buf.Grow(flushSize + 64<<10)
	if err := t.encodeJSON(&buf, out); err != nil {
		return err
	}
	_, err := out.Write(buf.Bytes())
	return err
}

// flushSize is how many bytes WriteJSON buffers before writing them out.
const flushSize = 1 << 20

// encodeJSON writes JSON's bytes to buf; with out not nil, it writes buf to
// out and empties it whenever it holds flushSize bytes, after a row, and
// leaves the rest in buf.
func (t *Table) encodeJSON(buf *bytes.Buffer, out io.Writer) error {
	if err := t.Validate(); err != nil {
		return err
	}
	// An Encoder with HTML escaping off writes each string as json.Marshal
	// would, less the \u003c-style escapes; Encode appends a newline, which
	// is cut after each value.
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	value := func(v any) error {
		if err := enc.Encode(v); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1)
		return nil
	}
	buf.WriteString(`{"columns":[`)
	for i, c := range t.Columns {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := value(c.Name); err != nil {
			return err
		}
	}
	buf.WriteString(`],"data":[`)
	// Each distinct string is encoded once: company names and auctions
	// repeat on most rows.
	encoded := map[string][]byte{}
	str := func(s string) error {
		if PlainJSON(s) {
			buf.WriteByte('"')
			buf.WriteString(s)
			buf.WriteByte('"')
			return nil
		}
		if b, ok := encoded[s]; ok {
			buf.Write(b)
			return nil
		}
		start := buf.Len()
		if err := value(s); err != nil {
			return err
		}
		encoded[s] = append([]byte(nil), buf.Bytes()[start:]...)
		return nil
	}
	var num []byte
	for i := 0; i < t.Rows(); i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		if out != nil && buf.Len() >= flushSize {
			if _, err := out.Write(buf.Bytes()); err != nil {
				return err
			}
			buf.Reset()
		}
		if out == nil && i == sizeRows && t.Rows() > 2*sizeRows {
			// Room for the rest at the first rows' size, and a little: the
			// buffer of a large table no longer doubles past it, holding
			// the old copy and the new at once (the 1M bake's cmu/cmus.json
			// is 100 MB).
			buf.Grow(buf.Len() / sizeRows * (t.Rows() - sizeRows) * 21 / 20)
		}
		buf.WriteString("\n[")
		for ci, c := range t.Columns {
			if ci > 0 {
				buf.WriteByte(',')
			}
			if c.IsNull(i) {
				buf.WriteString("null")
				continue
			}
			switch c.Type {
			case Int64:
				num = strconv.AppendInt(num[:0], c.Ints[i], 10)
				buf.Write(num)
			case Float64:
				if err := value(c.Floats[i]); err != nil {
					return err
				}
			case Bool:
				buf.WriteString(strconv.FormatBool(c.Bools[i]))
			default:
				if err := str(c.Str(i)); err != nil {
					return err
				}
			}
		}
		buf.WriteByte(']')
	}
	buf.WriteString("\n]}\n")
	return nil
}

// sizeRows is how many rows JSON writes before sizing its buffer for the rest.
const sizeRows = 1024

// PlainJSON reports whether s is ASCII, control characters aside, without '"' or '\\', which
// encoding/json writes as it is between quotes (with HTML escaping off, as
// JSON's Encoder is set): such strings, most of a table's, skip the Encoder
// and the cache of encoded strings, which held a copy of every distinct CMU
// id and name (a tenth of the 1M bake's peak heap). TestPlainJSONMatchesEncoder
// checks the rule against encoding/json.
func PlainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
