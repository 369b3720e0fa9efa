package table

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// JSON encodes the table as JSON records: an array of objects, one per row, keys
// in column order, nulls as null, one row per line so that diffs stay readable.
func (t *Table) JSON() ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	names := make([][]byte, len(t.Columns))
	for i, c := range t.Columns {
		k, err := json.Marshal(c.Name)
		if err != nil {
			return nil, err
		}
		names[i] = append(k, ':')
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := 0; i < t.Rows(); i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n{")
		for ci, c := range t.Columns {
			if ci > 0 {
				buf.WriteByte(',')
			}
			buf.Write(names[ci])
			if c.IsNull(i) {
				buf.WriteString("null")
				continue
			}
			switch c.Type {
			case Int64:
				buf.WriteString(strconv.FormatInt(c.Ints[i], 10))
			case Float64:
				b, err := json.Marshal(c.Floats[i])
				if err != nil {
					return nil, err
				}
				buf.Write(b)
			case Bool:
				buf.WriteString(strconv.FormatBool(c.Bools[i]))
			default:
				b, err := json.Marshal(c.Strings[i])
				if err != nil {
					return nil, err
				}
				buf.Write(b)
			}
		}
		buf.WriteByte('}')
	}
	buf.WriteString("\n]\n")
	return buf.Bytes(), nil
}
