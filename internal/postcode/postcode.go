// Package postcode validates and normalizes UK postcodes, finds them in the
// register's free-text locations, and loads postcode tables (Code-Point Open,
// ONS Postcode Directory, plain postcode/lat/lng CSV) into a lookup Table.
package postcode

import (
	"strings"
	"unicode"
	"unicode/utf8"
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
	n, ok := compactInto(&buf, s, max)
	if !ok {
		return "", false
	}
	return string(buf[:n]), true
}

// compactInto is compact writing into buf (max is at most 8): the table loader
// normalizes 1.7 M postcodes through it without allocating.
func compactInto(buf *[8]byte, s string, max int) (int, bool) {
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
			return 0, false
		}
		buf[n] = c
		n++
	}
	return n, true
}

// Normalize validates s as a full UK unit postcode and returns its canonical
// form "AA9A 9AA": upper case, one space before the three-character inward code.
// Whitespace anywhere in s is ignored; nothing else is corrected.
func Normalize(s string) (string, bool) {
	var buf [8]byte
	n := normalizeInto(&buf, s)
	if n == 0 {
		return "", false
	}
	return string(buf[:n]), true
}

// normalizeInto writes Normalize(s) into dst and returns its length, 0 when s
// is not a postcode. The validators' string(...) arguments do not escape, so
// nothing is allocated.
func normalizeInto(dst *[8]byte, s string) int {
	var c [8]byte
	n, ok := compactInto(&c, s, 7)
	if !ok || n < 5 {
		return 0
	}
	if !validOutward(string(c[:n-3])) || !validInward(string(c[n-3:n])) {
		return 0
	}
	copy(dst[:], c[:n-3])
	dst[n-3] = ' '
	copy(dst[n-2:], c[n-3:n])
	return n + 1
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
	s string
	// spaceAfter: only spaces (ASCII or Unicode, such as a non-breaking space;
	// not a comma or a new line) separate it from the next token.
	spaceAfter bool
	// joinAfter: spaceAfter, or one dash, full stop or underscore (with or
	// without spaces) separates it from the next token: "LS11-5DJ", "LS11.5DJ".
	joinAfter bool
}

// isGapSpace reports the spaces allowed inside a postcode: ASCII space and tab
// and Unicode space separators (U+00A0 no-break space, U+2009 thin space, ...).
func isGapSpace(r rune) bool {
	return r == ' ' || r == '\t' || (r > utf8.RuneSelf && unicode.Is(unicode.Zs, r))
}

// isJoinMark reports the single marks people type between outward and inward
// code instead of a space: hyphen-minus, Unicode hyphens and dashes, full stop,
// underscore.
func isJoinMark(r rune) bool {
	switch r {
	case '-', '.', '_', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212':
		return true
	}
	return false
}

func tokenize(text string) []token {
	var toks []token
	up := strings.ToUpper(text)
	for i := 0; i < len(up); {
		if !isDigit(up[i]) && !isLetter(up[i]) {
			i++
			continue
		}
		j := i
		for j < len(up) && (isDigit(up[j]) || isLetter(up[j])) {
			j++
		}
		t := token{s: up[i:j]}
		// Classify the gap up to the next letter or digit.
		spaces, marks, other := 0, 0, false
		k := j
		for k < len(up) && !isDigit(up[k]) && !isLetter(up[k]) {
			r, n := utf8.DecodeRuneInString(up[k:])
			switch {
			case isGapSpace(r):
				spaces++
			case isJoinMark(r):
				marks++
			default:
				other = true
			}
			k += n
		}
		if k < len(up) && !other {
			t.spaceAfter = spaces > 0 && marks == 0
			t.joinAfter = t.spaceAfter || marks == 1
		}
		toks = append(toks, t)
		i = j
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

// labelWords name a part of a site, and a letter-and-digits code after them is
// a label, not a postcode: "Unit B1", "Plot S2", "Suite E1". Words that also end
// place names before a postcode (Bay, Hall, Gate, Dock, Building: "Colwyn Bay
// LL29 8AA") are not in the list.
var labelWords = map[string]bool{
	"UNIT": true, "UNITS": true, "PLOT": true, "PLOTS": true, "FLAT": true, "SUITE": true,
	"BLOCK": true, "BLDG": true, "ROOM": true, "APARTMENT": true, "APT": true, "HANGAR": true,
	"FLOOR": true, "ZONE": true,
}

// floorWords follow an ordinal ("2ND Floor"), which is then not an inward code.
var floorWords = map[string]bool{"FLOOR": true, "FLOORS": true, "FLR": true, "FL": true, "STOREY": true, "LEVEL": true}

// isOrdinal reports 1ST, 2ND, 3RD, 4TH ... 9TH: valid inward codes that are
// more often a floor ("B1 2ND Floor").
func isOrdinal(s string) bool {
	if len(s) != 3 || !isDigit(s[0]) {
		return false
	}
	switch s[1:] {
	case "ST", "ND", "RD", "TH":
		return true
	}
	return false
}

// isLabel reports whether toks[i] is a label after a label word ("Unit B1"):
// labels are one letter and digits, so "Battery unit LS11 5DJ" keeps its
// postcode.
func isLabel(toks []token, i int) bool {
	t := toks[i].s
	return i > 0 && toks[i-1].spaceAfter && labelWords[toks[i-1].s] && len(t) >= 2 && isLetter(t[0]) && isDigit(t[1])
}

// isFloor reports whether toks[i] is an ordinal followed by a floor word.
func isFloor(toks []token, i int) bool {
	return isOrdinal(toks[i].s) && i+1 < len(toks) && floorWords[toks[i+1].s]
}

// roadWords precede a road number rather than a postcode district ("J28 of the M1").
var roadWords = map[string]bool{
	"JUNCTION": true, "JCT": true, "JN": true, "OFF": true, "ON": true, "VIA": true, "THE": true,
	"NEAR": true, "NR": true, "OF": true, "ADJACENT": true, "ADJ": true, "ALONGSIDE": true,
	"BESIDE": true, "FROM": true, "TO": true, "BY": true, "AT": true, "AND": true, "MOTORWAY": true,
	"SERVICES": true, "ROUNDABOUT": true,
}

// junctionWords name a road junction, next to which a code is a road number.
var junctionWords = map[string]bool{"JUNCTION": true, "JCT": true, "JN": true, "MOTORWAY": true, "SERVICES": true, "ROUNDABOUT": true, "INTERCHANGE": true}

// isRoadNumber reports whether s has a road number's shape: motorways M1-M898
// (also A1(M)), A roads, B roads (B + 3 or 4 digits; Birmingham districts have at
// most 2). Only M clashes with a postcode area (Manchester).
func isRoadNumber(s string) bool {
	if len(s) < 2 || (s[0] != 'M' && s[0] != 'A' && s[0] != 'B') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s[0] != 'B' || len(s) >= 4
}

// isJunction reports "J28", "JUNCTION", "JCT", ... and the "(M)" of "A1(M)".
func isJunction(s string) bool {
	if junctionWords[s] || s == "M" {
		return true
	}
	if len(s) >= 2 && s[0] == 'J' {
		return !hasLetter(s[1:])
	}
	return false
}

// isRoad reports whether toks[i] is a road number in context: a road-number
// shape next to a junction ("Junction 28, M1", "M1 J28", "A1(M)"), beside
// another road number ("A1/M1") or, when afterWord, after a road word ("off the
// M62", "near M1"). Full postcodes are checked without afterWord: "near M17 1AB"
// is a postcode.
func isRoad(toks []token, i int, afterWord bool) bool {
	if !isRoadNumber(toks[i].s) {
		return false
	}
	if toks[i].s[0] != 'M' {
		return true // A and B roads never clash with a district
	}
	if afterWord && i > 0 && roadWords[toks[i-1].s] {
		return true
	}
	for j := max(0, i-2); j <= min(len(toks)-1, i+2); j++ {
		if j != i && (isJunction(toks[j].s) || (j == i-1 || j == i+1) && isRoadNumber(toks[j].s) && toks[j].s[0] != 'M') {
			return true
		}
	}
	return false
}

// trailingWords may follow a postcode at the end of a location.
var trailingWords = map[string]bool{"UK": true, "GB": true, "UNITED": true, "KINGDOM": true, "ENGLAND": true, "SCOTLAND": true, "WALES": true, "GREAT": true, "BRITAIN": true}

// Mention is one postcode found in a location text: a full unit postcode, a
// sector ("Havant, P09 1") or a district ("..., Leeds LS11").
type Mention struct {
	Postcode string // full unit postcode, normalized "AA9A 9AA"; "" for a sector or district alone
	Sector   string // "PO6 1": the sector of Postcode, or the sector given alone; "" for a district alone
	Outcode  string // the district ("PO6"); always set
}

// Mentions finds every postcode in a free-text location, in text order and
// without repeats. Full unit postcodes count anywhere in the text: "CA15 8ES",
// "CA158ES", "OL 12 9DT", "LS11-5DJ", "LS11 5DJ" with a no-break space, and the
// letter-O/zero slips "SO16 OYE", "S032 2PG". A district, with its sector digit
// when given, counts only at the end of the text, before trailing country names
// and road references: "..., Leeds LS10", "Havant, P09 1" (sector PO9 1),
// "Blackburn, BB2 3D" (sector BB2 3), "Leeds LS11, near J28 M1". Kept out: unit,
// plot and floor labels ("Unit B1 2ND Floor"), road numbers ("Junction 28, M1",
// "off the M62"), grid references ("SE 473 250"). A candidate needs a real
// postcode area and Royal Mail's letter rules. No-location markers give nothing.
func Mentions(text string) []Mention {
	if IsNoLocation(text) {
		return nil
	}
	toks := tokenize(text)
	var out []Mention
	add := func(m Mention) {
		for _, o := range out {
			if o == m {
				return
			}
		}
		out = append(out, m)
	}
	unit := func(pc string) Mention { return Mention{Postcode: pc, Sector: pc[:len(pc)-2], Outcode: pc[:len(pc)-4]} }
	for i := 0; i < len(toks); i++ {
		t := toks[i].s
		if isLabel(toks, i) {
			continue
		}
		if len(t) >= 5 && len(t) <= 7 {
			if pc := full(t[:len(t)-3], t[len(t)-3:]); pc != "" {
				add(unit(pc))
				continue
			}
		}
		if i+1 < len(toks) && toks[i].joinAfter && len(toks[i+1].s) == 3 && !isFloor(toks, i+1) && !isRoad(toks, i, false) {
			if pc := full(t, toks[i+1].s); pc != "" {
				add(unit(pc))
				i++
				continue
			}
		}
		// "OL 12 9DT": area and district written apart.
		if i+2 < len(toks) && toks[i].spaceAfter && toks[i+1].joinAfter && len(t) <= 2 && len(toks[i+1].s) <= 2 && len(toks[i+2].s) == 3 && !isFloor(toks, i+2) {
			if pc := full(t+toks[i+1].s, toks[i+2].s); pc != "" {
				add(unit(pc))
				i += 2
			}
		}
	}
	if m, ok := trailingDistrict(toks); ok {
		for _, o := range out {
			if o.Outcode == m.Outcode && (m.Sector == "" || o.Sector == m.Sector) {
				return out // the district of a full postcode already found
			}
		}
		add(m)
	}
	return out
}

// trailingDistrict finds a district (and sector digit) ending the text.
func trailingDistrict(toks []token) (Mention, bool) {
	i := len(toks) - 1
	// Trailing country names, then trailing road references ("near J28 M1").
	for i >= 0 && trailingWords[toks[i].s] {
		i--
	}
	for road := false; i >= 0; i-- {
		t := toks[i].s
		switch {
		case isRoad(toks, i, true) || isJunction(t) && t != "M":
			road = true
			continue
		case t == "M" && i > 0 && isRoadNumber(toks[i-1].s): // the "(M)" of "A1(M)"
			continue
		case road && (roadWords[t] || allDigits(t) && i > 0 && isJunction(toks[i-1].s)):
			continue
		}
		break
	}
	if i < 0 {
		return Mention{}, false
	}
	sector := -1
	startsDigit := func(j int) bool { return len(toks[j].s) <= 3 && isDigit(toks[j].s[0]) }
	switch {
	case i >= 2 && len(toks[i].s) <= 2 && !hasDigit(toks[i].s) && startsDigit(i-1) && toks[i-2].spaceAfter && toks[i-1].spaceAfter:
		i -= 2 // "P09 1 NR"
		sector = i + 1
	case i >= 1 && startsDigit(i) && toks[i-1].spaceAfter && !hasDigit(toks[i].s[1:]) || i >= 1 && len(toks[i].s) == 1 && isDigit(toks[i].s[0]) && toks[i-1].spaceAfter:
		i-- // "BB2 3D", "IV3 6YM", "P09 1"
		sector = i + 1
	}
	if isRoad(toks, i, true) || isLabel(toks, i) {
		return Mention{}, false
	}
	oc := fixOutward(toks[i].s)
	if oc == "" {
		return Mention{}, false
	}
	m := Mention{Outcode: oc}
	if sector >= 0 {
		m.Sector = oc + " " + toks[sector].s[:1]
	}
	return m, true
}

// Extract returns the last full postcode in a free-text location, normalized,
// with its outcode; without one, the district ending the text (see Mentions).
// Mentions gives every candidate, which the geocoder weighs against each other.
func Extract(text string) (postcode, outcode string) {
	ms := Mentions(text)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Postcode != "" {
			return ms[i].Postcode, ms[i].Outcode
		}
	}
	if len(ms) > 0 {
		return "", ms[len(ms)-1].Outcode
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

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if isLetter(s[i]) {
			return true
		}
	}
	return false
}

func allDigits(s string) bool { return s != "" && !hasLetter(s) }
