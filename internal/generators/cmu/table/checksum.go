package table

import (
	"crypto/md5"
	"encoding/hex"
	"math"
	"math/big"
)

// Checksum summarises one column so that an independent reader (DuckDB SQL, a
// JavaScript Arrow reader) can recompute it and compare. With i the 0-based row
// number and only non-null values counted:
//
//	int64:   Sum = Σ x,              WSum = Σ (i+1)·x
//	float64: Sum = Σ q(x),           WSum = Σ (i+1)·q(x),  q(x) = round(x·1e6), half away from zero
//	bool:    Sum = number of true,   WSum = Σ (i+1) over true rows
//	string:  Sum = Σ len in bytes,   WSum = Σ (i+1)·len,   MD5 = md5 of the values joined by "\n"
//
// WSum makes the checksum sensitive to row order; MD5 to every byte of a string
// column. Sums are decimal strings (they can exceed 64 bits).
type Checksum struct {
	Type  string `json:"type"`
	Count int64  `json:"count"`
	Sum   string `json:"sum"`
	WSum  string `json:"wsum"`
	MD5   string `json:"md5,omitempty"`
}

// Checksums returns a Checksum for every column, by name.
func (t *Table) Checksums() map[string]Checksum {
	out := map[string]Checksum{}
	for _, c := range t.Columns {
		sum, wsum := new(big.Int), new(big.Int)
		var count int64
		h := md5.New()
		first := true
		for i := 0; i < c.Len(); i++ {
			if c.IsNull(i) {
				continue
			}
			count++
			var v int64
			switch c.Type {
			case Int64:
				v = c.Ints[i]
			case Float64:
				v = int64(math.Round(c.Floats[i] * 1e6))
			case Bool:
				if c.Bools[i] {
					v = 1
				}
			case String:
				v = int64(len(c.Str(i)))
				if !first {
					h.Write([]byte{'\n'})
				}
				h.Write([]byte(c.Str(i)))
				first = false
			}
			x := big.NewInt(v)
			sum.Add(sum, x)
			wsum.Add(wsum, x.Mul(x, big.NewInt(int64(i+1))))
		}
		cs := Checksum{Type: string(c.Type), Count: count, Sum: sum.String(), WSum: wsum.String()}
		if c.Type == String {
			cs.MD5 = hex.EncodeToString(h.Sum(nil))
		}
		out[c.Name] = cs
	}
	return out
}
