package appview

import (
	"strings"
	"unicode"
)

// Normalize is the app's normalize() (checker/utils.py), the one rule for a
// company_id (Normalize(company_name)) and the frame's "Normalized" columns:
//
//	"".join(text.lower().split())
//
// Python's lower-casing, then every character Python's str.split() treats as
// white space removed; nothing else changes ("." "&" "-" "(" stay). Written by
// hand because Go's strings.ToLower and unicode.IsSpace differ from Python's in
// the cases handled below; TestNormalize holds values computed by CPython.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i, r := range rs {
		if pyIsSpace(r) {
			continue
		}
		switch {
		case r == 'İ':
			// Python's full lower-casing (SpecialCasing.txt): U+0130 -> "i̇".
			b.WriteString("i\u0307")
		case r == 'Σ' && finalSigma(rs, i):
			b.WriteRune('ς')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// pyIsSpace is Python's str.isspace() for one character, which str.split() and
// str.strip() use: Unicode White_Space plus the information separators
// U+001C..U+001F (bidirectional class B or S), which Go's unicode.IsSpace lacks.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}

// finalSigma is Unicode's Final_Sigma condition as CPython applies it: a cased
// letter (skipping case-ignorable ones) before position i and none after.
func finalSigma(rs []rune, i int) bool {
	cased := func(r rune) bool { return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) }
	ignorable := func(r rune) bool {
		return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk) || r == '\'' || r == '.' || r == ':' || r == '·' || r == '\u2019'
	}
	j := i - 1
	for j >= 0 && ignorable(rs[j]) {
		j--
	}
	if j < 0 || !cased(rs[j]) {
		return false
	}
	k := i + 1
	for k < len(rs) && ignorable(rs[k]) {
		k++
	}
	return k == len(rs) || !cased(rs[k])
}

// Strip is Python's str.strip() with no argument: s without leading and
// trailing white space as Python defines it (pyIsSpace).
func Strip(s string) string { return strings.TrimFunc(s, pyIsSpace) }
