package maptiles

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// appendString appends s as a JSON string. Unlike encoding/json it does not
// escape <, > and &: the files are data, never inlined into HTML. Invalid UTF-8
// becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript string literals.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendFloat appends v in the shortest form that reads back exactly, without an
// exponent (coordinates and capacities are never tiny or huge).
func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	if v == 0 {
		return append(b, '0') // also for -0
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// appendMW appends a capacity in MW rounded to the watt (1e-6 MW),
// which hides float summation noise such as 12.300000000000001.
func appendMW(b []byte, v float64) []byte {
	return appendFloat(b, roundMW(v))
}

func roundMW(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// abbreviated is point_count_abbreviated of a count of 1000 or more, a string
// such as "1.2k" (below 1000 it is the count itself).
func abbreviated(count int) string {
	b := appendAbbreviated(nil, count)
	return string(b[1 : len(b)-1])
}

// appendAbbreviated appends SuperCluster's point_count_abbreviated: the count
// itself below 1000, else a string such as "1.2k" or "15k".
func appendAbbreviated(b []byte, count int) []byte {
	switch {
	case count >= 10000:
		b = append(b, '"')
		b = strconv.AppendFloat(b, jsRound(float64(count)/1000), 'f', -1, 64)
		return append(b, 'k', '"')
	case count >= 1000:
		b = append(b, '"')
		b = strconv.AppendFloat(b, jsRound(float64(count)/100)/10, 'f', -1, 64)
		return append(b, 'k', '"')
	}
	return strconv.AppendInt(b, int64(count), 10)
}

// jsRound is JavaScript's Math.round: halves round toward +Inf.
func jsRound(v float64) float64 {
	r := math.Floor(v)
	if v-r >= 0.5 {
		r++
	}
	return r
}
