// Package postcode validates and normalizes UK postcodes, finds them in the
// register's free-text locations, and loads postcode tables (Code-Point Open,
// ONS Postcode Directory, plain postcode/lat/lng CSV) into a lookup Table.
package postcode

import (
	"strings"
)

// areas are the UK postcode areas: the 120 Great Britain areas of Code-Point Open
// plus Northern Ireland (BT), the Channel Islands (GY, JE) and the Isle of Man
// (IM), which are real postcodes even though they are outside Great Britain.
// Requiring a real area keeps road numbers (A6, M1 3RD) and grid references out.
var areas = func() map[string]bool {
	m := map[string]bool{}
	for _, a := range strings.Fields(`AB AL B BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW
		DA DD DE DG DH DL DN DT DY E EC EH EN EX FK FY G GL GU HA HD HG HP HR HS HU HX IG IP IV
		KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR
		RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD
		WF WN WR WS WV YO ZE BT GY JE IM`) {
		m[a] = true
	}
	return m
}()

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }

// Letters allowed in particular positions (Royal Mail's postcode format rules).
const (
	inwardLetters  = "ABDEFGHJLNPQRSTUWXYZ" // never C I K M O V
	a9aLetters     = "ABCDEFGHJKPSTUW"      // third character of A9A outward codes
	aa9aLetters    = "ABEHMNPRVWXY"         // fourth character of AA9A outward codes
	areaMaxLetters = 2
)

// validOutward reports whether s (upper case, no spaces) is an outward code:
// A9, A99, AA9, AA99, A9A or AA9A with a real postcode area.
func validOutward(s string) bool {
	if len(s) < 2 || len(s) > 4 {
		return false
	}
	n := 0
	for n < len(s) && n < areaMaxLetters && isLetter(s[n]) {
		n++
	}
	if n == 0 || !areas[s[:n]] {
		return false
	}
	rest := s[n:]
	switch len(rest) {
	case 1:
		return isDigit(rest[0])
	case 2:
		if !isDigit(rest[0]) {
			return false
		}
		if isDigit(rest[1]) {
			return true
		}
		if n == 1 {
			return strings.IndexByte(a9aLetters, rest[1]) >= 0
		}
		return strings.IndexByte(aa9aLetters, rest[1]) >= 0
	}
	return false
}

// validInward reports whether s is an inward code 9AA.
func validInward(s string) bool {
	return len(s) == 3 && isDigit(s[0]) &&
		strings.IndexByte(inwardLetters, s[1]) >= 0 && strings.IndexByte(inwardLetters, s[2]) >= 0
}

// compact upper-cases s and drops ASCII whitespace; ok is false if s has more
// than max other bytes.
func compact(s string, max int) (string, bool) {
	var buf [8]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		if n == max || n == len(buf) {
			return "", false
		}
		buf[n] = c
		n++
	}
	return string(buf[:n]), true
}

// Normalize validates s as a full UK unit postcode and returns its canonical
// form "AA9A 9AA": upper case, one space before the three-character inward code.
// Whitespace anywhere in s is ignored; nothing else is corrected.
func Normalize(s string) (string, bool) {
	c, ok := compact(s, 7)
	if !ok || len(c) < 5 {
		return "", false
	}
	out, in := c[:len(c)-3], c[len(c)-3:]
	if !validOutward(out) || !validInward(in) {
		return "", false
	}
	return out + " " + in, true
}

// NormalizeOutcode validates s as an outward code (postcode district) such as
// "WF11" and returns it upper case without spaces.
func NormalizeOutcode(s string) (string, bool) {
	c, ok := compact(s, 4)
	if !ok || !validOutward(c) {
		return "", false
	}
	return c, true
}

// Outcode returns the outward code of a postcode ("WF11 8AB" -> "WF11"), or "" if
// pc is not a valid postcode.
func Outcode(pc string) string {
	n, ok := Normalize(pc)
	if !ok {
		return ""
	}
	return n[:len(n)-4]
}

// Sector returns the postcode sector ("WF11 8AB" -> "WF11 8"), or "" if pc is not
// a valid postcode.
func Sector(pc string) string {
	n, ok := Normalize(pc)
	if !ok {
		return ""
	}
	return n[:len(n)-2]
}

// NormalizeSector validates s as a postcode sector ("WF11 8", "wf118") and
// returns it as "WF11 8". Written without a space, the last digit is the sector.
func NormalizeSector(s string) (string, bool) {
	if f := strings.Fields(s); len(f) > 1 && len(f[len(f)-1]) != 1 {
		return "", false // "WF1 18" is not a sector
	}
	c, ok := compact(s, 5)
	if !ok || len(c) < 3 || !isDigit(c[len(c)-1]) || !validOutward(c[:len(c)-1]) {
		return "", false
	}
	return c[:len(c)-1] + " " + c[len(c)-1:], true
}

// noLocationExact are whole-text markers meaning "no location given".
var noLocationExact = map[string]bool{
	"": true, "null": true, "none": true, "nil": true, "n/a": true, "na": true, "n.a": true,
	"tbc": true, "tbd": true, "tba": true, "unknown": true, "not known": true, "not applicable": true,
	"-": true, "--": true, "various": true, "to be determined": true, "to be confirmed": true,
	"to be advised": true, "provided after auction": true,
}

// noLocationPhrases mark placeholder text when the text has no digits (so no
// postcode or grid reference could be hiding in it).
var noLocationPhrases = []string{
	"to be confirmed", "to be determined", "to be provided", "to be advised", "to be agreed",
	"provided after auction", "after the auction", "yet to be procur", "yet to be allocated",
	"not yet known", "not known", "location to be", "to confirm",
}

// IsNoLocation reports whether text is a no-location marker: empty, "null",
// "N/A", "TBC", "To be Determined", "provided after auction", "Component has yet
// to be procured" and the like.
func IsNoLocation(text string) bool {
	t := strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(text, "\u00a0", " ")), " "))
	t = strings.Trim(t, " .,;:!?'\"*()[]")
	if noLocationExact[t] {
		return true
	}
	if strings.ContainsAny(t, "0123456789") {
		return false
	}
	for _, p := range noLocationPhrases {
		// The phrase must start a word: "knot known farm" is a place.
		for i := strings.Index(t, p); i >= 0; {
			if i == 0 || !isLetter(t[i-1]-('a'-'A')) {
				return true
			}
			j := strings.Index(t[i+1:], p)
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return false
}

// token is a maximal run of ASCII letters and digits in upper-cased text.
type token struct {
	s          string
	spaceAfter bool // only whitespace separates it from the next token
}

func tokenize(text string) []token {
	var toks []token
	start := -1
	up := strings.ToUpper(text)
	for i := 0; i <= len(up); i++ {
		alnum := i < len(up) && (isDigit(up[i]) || isLetter(up[i]))
		if alnum && start < 0 {
			start = i
		}
		if !alnum && start >= 0 {
			toks = append(toks, token{s: up[start:i]})
			start = -1
			// The join is allowed when only spaces (not commas or new lines) follow.
			j := i
			for j < len(up) && (up[j] == ' ' || up[j] == '\t' || up[j] == 0xc2 || up[j] == 0xa0) {
				j++
			}
			toks[len(toks)-1].spaceAfter = j > i && j < len(up) && (isDigit(up[j]) || isLetter(up[j]))
		}
	}
	return toks
}

// fixOutward corrects the common letter-O/zero confusion in an outward code
// ("S032" -> "SO32", "P09" -> "PO9"); it returns "" if no valid code results.
func fixOutward(s string) string {
	if validOutward(s) {
		return s
	}
	if len(s) >= 3 && s[1] == '0' && areas[s[:1]+"O"] {
		if f := s[:1] + "O" + s[2:]; validOutward(f) {
			return f
		}
	}
	return ""
}

// fixInward corrects a letter O typed for the inward code's leading zero ("OYE").
func fixInward(s string) string {
	if validInward(s) {
		return s
	}
	if len(s) == 3 && s[0] == 'O' && validInward("0"+s[1:]) {
		return "0" + s[1:]
	}
	return ""
}

func full(out, in string) string {
	out, in = fixOutward(out), fixInward(in)
	if out == "" || in == "" {
		return ""
	}
	return out + " " + in
}

// roadWords precede a road number rather than a postcode district ("J28 of the M1").
var roadWords = map[string]bool{"JUNCTION": true, "JCT": true, "OFF": true, "ON": true, "VIA": true, "THE": true, "NEAR": true, "NR": true, "OF": true}

// trailingWords may follow a postcode at the end of a location.
var trailingWords = map[string]bool{"UK": true, "GB": true, "UNITED": true, "KINGDOM": true, "ENGLAND": true, "SCOTLAND": true, "WALES": true, "GREAT": true, "BRITAIN": true}

// Extract finds a full postcode in a free-text location such as "Land to the
// south of Edinburgh Rd, Maryport, Cumbria, CA15 8ES." (also "CA158ES",
// "OL 12 9DT", and the letter-O/zero slips "SO16 OYE", "S032 2PG"). It returns
// the last full postcode found, normalized, with its outcode. Without a full
// postcode it returns only an outcode standing as the last word of the text (or
// before a trailing country name or sector digit: "..., Leeds LS10",
// "Havant, P09 1"). No-location markers give nothing.
func Extract(text string) (postcode, outcode string) {
	if IsNoLocation(text) {
		return "", ""
	}
	toks := tokenize(text)
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i].s
		if len(t) >= 5 && len(t) <= 7 {
			if pc := full(t[:len(t)-3], t[len(t)-3:]); pc != "" {
				return pc, pc[:len(pc)-4]
			}
		}
		if len(t) != 3 || i == 0 || !toks[i-1].spaceAfter {
			continue
		}
		if pc := full(toks[i-1].s, t); pc != "" {
			return pc, pc[:len(pc)-4]
		}
		// "OL 12 9DT": area and district written apart.
		if i >= 2 && toks[i-2].spaceAfter && len(toks[i-2].s) <= 2 && len(toks[i-1].s) <= 2 {
			if pc := full(toks[i-2].s+toks[i-1].s, t); pc != "" {
				return pc, pc[:len(pc)-4]
			}
		}
	}
	// Outcode alone, at the end of the text (before a trailing country name):
	// "..., Leeds LS10", or followed by a sector digit or a broken inward code
	// ("Havant, P09 1", "Blackburn, BB2 3D", "IV3 6YM" with a letter no
	// inward code uses).
	i := len(toks) - 1
	for i >= 0 && trailingWords[toks[i].s] {
		i--
	}
	if i < 0 {
		return "", ""
	}
	startsDigit := func(j int) bool { return len(toks[j].s) <= 3 && isDigit(toks[j].s[0]) }
	switch {
	case i >= 2 && len(toks[i].s) <= 2 && !hasDigit(toks[i].s) && startsDigit(i-1) && toks[i-2].spaceAfter && toks[i-1].spaceAfter:
		i -= 2 // "P09 1 NR"
	case i >= 1 && startsDigit(i) && toks[i-1].spaceAfter && !hasDigit(toks[i].s[1:]) || i >= 1 && len(toks[i].s) == 1 && isDigit(toks[i].s[0]) && toks[i-1].spaceAfter:
		i-- // "BB2 3D", "IV3 6YM", "P09 1"
	}
	if i > 0 && roadWords[toks[i-1].s] {
		return "", ""
	}
	if oc := fixOutward(toks[i].s); oc != "" {
		return "", oc
	}
	return "", ""
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}
