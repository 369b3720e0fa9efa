package cmu

import (
	"math"
	"strings"
	"unicode"
)

// looseName is the components table's normalized_company_name, prebake's own
// column and not the app's normalize() (that is appview.Normalize, which keeps
// punctuation): lower-cased, with every character that is not a letter or a
// number (punctuation, spaces, symbols) removed, so "Flexitricity Ltd." and
// "FLEXITRICITY LTD" both become "flexitricityltd". In regular-expression
// terms: regexp_replace(lower(s), '[^\p{L}\p{N}]', ”, 'g'), which is how the
// tests recompute it in DuckDB.
func looseName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// memoized is f with its results kept by argument. Company names repeat on
// thousands of components, and the name functions (lower-casing, mapping
// runes) cost more than a map lookup, and called once a component they were a
// noticeable part of the tables' CPU.
func memoized(f func(string) string) func(string) string {
	seen := map[string]string{}
	return func(s string) string {
		v, ok := seen[s]
		if !ok {
			v = f(s)
			seen[s] = v
		}
		return v
	}
}

// collapseSpace trims s and turns every run of white space into one space.
func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// round3 rounds a capacity in MW to three decimals (1 kW), the register's own
// precision, so that sums do not show float noise.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
