package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/record"
)

// Register column names (and the snake_case export's equivalents).
const (
	colID            = "_id"
	colCMUID         = "CMU ID"
	colComponentID   = "Component ID"
	colCompany       = "Company Name"
	colTechClass     = "Generating Technology Class"
	colDeliveryYear  = "Delivery Year"
	colAuctionName   = "Auction Name"
	colAuctionType   = "Type"
	colDerated       = "De-Rated Capacity"
	colConnection    = "Connection / DSR Capacity"
	colDescription   = "Description of CMU Components"
	colLocation      = "Location and Post Code"
	colGridRef       = "OS Grid Reference"
	colSynthetic     = "Synthetic"
	colRank          = "rank" // the app's search rank: not part of a row's content
	colApplicant     = "Name of Applicant"
	colUnitName      = "CM Unit Name"
	colParent        = "Parent Company"
	colUnitType      = "CM Unit Type"
	colUnitCategory  = "CM Unit Category"
	colTransDist     = "Transmission / Distribution"
	colPrimaryFuel   = "Primary Fuel Type"
	colAnticipated   = "Anticipated De-Rated Capacity"
	snakeComponentID = "component_id"
)

// snakeAlias maps the snake_case export's columns onto register column names.
var snakeAlias = map[string]string{
	"location":         colLocation,
	"description":      colDescription,
	"cmu_id":           colCMUID,
	"company_name":     colCompany,
	"delivery_year":    colDeliveryYear,
	"auction_name":     colAuctionName,
	"derated_capacity": colDerated,
	"type":             colAuctionType,
	"technology":       colTechClass,
}

var registerToSnake = func() map[string]string {
	m := map[string]string{}
	for snake, reg := range snakeAlias {
		m[reg] = snake
	}
	return m
}()

// cell kinds.
const (
	cellNull = iota
	cellString
	cellNumber
	cellBool
	cellComposite // object or array
)

type cell struct {
	kind int
	raw  []byte // JSON: the value's bytes; CSV: the field's bytes
	str  bool   // raw is a plain (CSV) string, not JSON
}

// rawRow is one input row before validation, from JSON or CSV.
type rawRow struct {
	fields map[string]cell
	badKey bool // a column name was not valid UTF-8 (JSON decoding replaced it)

	byContent bool              // the ID was made from the content (no `_id`)
	sum       [sha256.Size]byte // the content's digest when byContent
}

// identifyByContent gives the row its content ID and remembers the digest.
func (r *rawRow) identifyByContent() int64 {
	id, sum := r.contentID()
	r.byContent, r.sum = true, sum
	return id
}

func (r *rawRow) has(name string) bool { _, ok := r.fields[name]; return ok }

// get looks a register column up, falling back to its snake_case alias.
func (r *rawRow) get(name string) (cell, bool) {
	if c, ok := r.fields[name]; ok {
		return c, true
	}
	if snake, ok := registerToSnake[name]; ok {
		c, ok := r.fields[snake]
		return c, ok
	}
	return cell{}, false
}

// jsonRow builds a row from an object's members.
func jsonRow(obj map[string]json.RawMessage) *rawRow {
	r := &rawRow{fields: make(map[string]cell, len(obj))}
	for k, v := range obj {
		r.fields[k] = jsonCell(v)
	}
	return r
}

func jsonCell(v json.RawMessage) cell {
	if len(v) == 0 {
		return cell{kind: cellNull}
	}
	switch v[0] {
	case 'n':
		return cell{kind: cellNull, raw: v}
	case '"':
		return cell{kind: cellString, raw: v}
	case 't', 'f':
		return cell{kind: cellBool, raw: v}
	case '{', '[':
		return cell{kind: cellComposite, raw: v}
	}
	return cell{kind: cellNumber, raw: v}
}

// check rejects rows with invalid UTF-8 or oversized fields, naming the field.
func (r *rawRow) check() (field, reason, detail string) {
	defer func() {
		if reason == "" && r.badKey {
			field, reason, detail = "", ReasonBadUTF8, "a column name is not valid UTF-8"
		}
	}()
	// Fast path: most rows are fine, and only a bad one needs the sorted walk that
	// makes "the first bad field" deterministic.
	ok := true
	for k, c := range r.fields {
		if len(c.raw) > MaxFieldBytes || !utf8.ValidString(k) || !utf8.Valid(c.raw) ||
			(c.kind == cellString && !c.str && bytes.Contains(c.raw, []byte(`\u`))) {
			ok = false
			break
		}
	}
	if ok {
		return "", "", ""
	}
	for _, k := range r.sortedKeys() {
		if !utf8.ValidString(k) {
			return strconv.QuoteToASCII(k), ReasonBadUTF8, "column name is not valid UTF-8"
		}
		c := r.fields[k]
		if !utf8.Valid(c.raw) {
			return k, ReasonBadUTF8, "value is not valid UTF-8"
		}
		if c.kind == cellString && !c.str && loneSurrogate(c.raw) {
			return k, ReasonBadUTF8, "value has a \\u escape of a lone UTF-16 surrogate, which is no character (decoding would replace it with U+FFFD)"
		}
		if n := c.decodedLen(); n > MaxFieldBytes {
			return k, ReasonTooLong, fmt.Sprintf("value is %d bytes, more than %d", n, MaxFieldBytes)
		}
	}
	return "", "", ""
}

// decodedLen is the length of the value as read: a JSON string's decoded bytes
// (escapes count as the character they stand for, not the six bytes of
// "\u00e9"), any other value's bytes.
func (c cell) decodedLen() int {
	if c.kind == cellString && !c.str {
		return len(jsonString(c.raw))
	}
	return len(c.raw)
}

// loneSurrogate reports whether a JSON string literal escapes half of a UTF-16
// surrogate pair without the other half ("\ud800" alone), which encoding/json
// would silently turn into U+FFFD.
func loneSurrogate(raw []byte) bool {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
		return rune(v), err == nil
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+1 < len(raw) && raw[i+1] != 'u' {
			i++ // another escape: skip its letter (so "\\u" is not read as \u)
			continue
		}
		r, ok := hex4(i)
		if !ok {
			continue
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			lo, ok := hex4(i + 6)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 11
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		default:
			i += 5
		}
	}
	return false
}

func (r *rawRow) sortedKeys() []string {
	keys := make([]string, 0, len(r.fields))
	for k := range r.fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// text returns a field as trimmed text: null and absent are "", numbers and
// booleans their literal; objects and arrays are an error.
func (r *rawRow) text(name string) (string, error) {
	c, ok := r.get(name)
	if !ok {
		return "", nil
	}
	return c.text()
}

// Text is also put in Unicode Normalization Form C (canonical composition,
// golang.org/x/text/unicode/norm): "Société" typed with a combining accent
// (NFD) and with a precomposed é (NFC) are canonically the same text, and
// without this one company would become two.
func (c cell) text() (string, error) {
	if c.str {
		return norm.NFC.String(strings.TrimSpace(string(c.raw))), nil
	}
	switch c.kind {
	case cellNull:
		return "", nil
	case cellString:
		return norm.NFC.String(strings.TrimSpace(jsonString(c.raw))), nil
	case cellNumber, cellBool:
		return string(c.raw), nil
	}
	return "", fmt.Errorf("want text, got %s", describe(c.raw))
}

// jsonString decodes a JSON string literal, cheaply when it has no escapes.
func jsonString(raw []byte) string {
	if len(raw) >= 2 && !strings.ContainsRune(string(raw[1:len(raw)-1]), '\\') {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(raw)
	}
	return s
}

func describe(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	s := string(raw)
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	if raw[0] == '"' {
		return s // already quoted
	}
	return strconv.Quote(s)
}

// noValue is what a numeric field may hold instead of a number.
func noValue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "n/a", "na", "null", "none", "-", "tbc", "nan":
		return true
	}
	return false
}

// Decimal grammar of a numeric text field. A comma is accepted only as a
// thousands separator between groups of exactly three digits ("1,234.5",
// "12,345,678"); "0,5", "1.234,5", "1,23" and "12,34,567" are bad_value rather
// than guessed, because the register is written with a decimal point and a
// comma elsewhere means the value was exported in another convention. Hex
// floats, "Inf", underscores and other forms strconv.ParseFloat also accepts are
// refused the same way.
var (
	plainDecimal     = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)
	thousandsDecimal = regexp.MustCompile(`^[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$`)
)

// parseDecimal parses a register number: plain decimal, or with thousands
// separators in the right places only.
func parseDecimal(s string) (float64, bool) {
	switch {
	case plainDecimal.MatchString(s):
	case thousandsDecimal.MatchString(s):
		s = strings.ReplaceAll(s, ",", "")
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// number returns a numeric field; nil for null, empty and no-value markers.
func (r *rawRow) number(name string) (*float64, error) {
	c, ok := r.get(name)
	if !ok {
		return nil, nil
	}
	var s string
	switch {
	case c.str || c.kind == cellString:
		t, _ := c.text()
		if noValue(t) {
			return nil, nil
		}
		s = t
	case c.kind == cellNull:
		return nil, nil
	case c.kind == cellNumber:
		s = string(c.raw)
	default:
		return nil, fmt.Errorf("want a number, got %s", describe(c.raw))
	}
	f, ok := parseDecimal(s)
	if !ok {
		if strings.Contains(s, ",") {
			return nil, fmt.Errorf("want a number, got %s (a comma is accepted only as a thousands separator, as in 1,234.5)", describe(c.raw))
		}
		return nil, fmt.Errorf("want a number, got %s", describe(c.raw))
	}
	return &f, nil
}

// MaxCapacityMW bounds a capacity field: 100 GW, more than Great Britain's whole
// peak demand (about 60 GW) and fifty times the largest unit in the register.
// A larger value is a broken export (1e308 would overflow every total it is
// added to), rejected as bad_value on the row that carries it.
const MaxCapacityMW = 100_000

// capacity reads a capacity column in MW, bounded by ±MaxCapacityMW.
func (r *rawRow) capacity(name string) (*float64, error) {
	f, err := r.number(name)
	if err != nil || f == nil {
		return f, err
	}
	if math.Abs(*f) > MaxCapacityMW {
		return nil, fmt.Errorf("capacity %g MW is beyond ±%d MW, more than the whole GB system", *f, MaxCapacityMW)
	}
	return f, nil
}

// integer returns an integral field; ok=false when null, empty or absent.
func (r *rawRow) integer(name string) (v int64, ok bool, err error) {
	f, err := r.number(name)
	if err != nil || f == nil {
		return 0, false, err
	}
	if *f != math.Trunc(*f) || math.Abs(*f) > MaxSafeID {
		c, _ := r.get(name)
		return 0, false, fmt.Errorf("want an integer, got %s", describe(c.raw))
	}
	return int64(*f), true, nil
}

// MaxSafeID is the largest id prebake publishes: 2^53-1, JavaScript's
// Number.MAX_SAFE_INTEGER, the largest integer every JSON reader (a browser
// above all) reads exactly. Register ids above it are rejected, never rounded,
// and ids made up for rows without one stay within -2^52..-1.
const MaxSafeID = 1<<53 - 1

// exactID reads a row-id column exactly: its text must be decimal digits (a JSON
// number or a string holding one), with no sign, fraction, exponent or
// separator, no larger than MaxSafeID. "1e3", "1,000", "1000.0" and
// 9007199254740993 are bad_value: parsing them as floats would round or merge
// distinct ids. ok=false when null, empty or absent.
func (r *rawRow) exactID(col string) (int64, bool, error) {
	c, present := r.get(col)
	if !present || c.kind == cellNull {
		return 0, false, nil
	}
	var s string
	switch {
	case c.str || c.kind == cellString:
		s, _ = c.text()
		if s == "" {
			return 0, false, nil
		}
	case c.kind == cellNumber:
		s = string(c.raw)
	default:
		return 0, false, fmt.Errorf("want a whole number, got %s", describe(c.raw))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false, fmt.Errorf("%s %s is not a positive whole number written in digits", col, describe(c.raw))
		}
	}
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id > MaxSafeID {
		return 0, false, fmt.Errorf("%s %s is above 2^53-1, the largest id a browser reads exactly", col, describe(c.raw))
	}
	if id == 0 {
		return 0, false, fmt.Errorf("%s 0 is not a positive integer", col)
	}
	return int64(id), true, nil
}

// contentID identifies a row without `_id` by its content: a negative number in
// -2^52..-1 from the SHA-256 of its sorted fields, so it never collides with a
// register id and a browser reads it exactly (see MaxSafeID). It also returns
// the whole digest: the reader tells two contents that share 52 bits apart by it.
func (r *rawRow) contentID() (int64, [sha256.Size]byte) {
	h := sha256.New()
	for _, k := range r.sortedKeys() {
		if k == colRank {
			continue
		}
		c := r.fields[k]
		h.Write([]byte(k))
		h.Write([]byte{0})
		if c.str || c.kind == cellString {
			t, _ := c.text() // trimmed, NFC: spellings that are one text hash alike
			h.Write([]byte{'"'})
			h.Write([]byte(t))
		} else if c.kind == cellNull {
			h.Write([]byte("null"))
		} else {
			var buf bytes.Buffer
			if err := json.Compact(&buf, c.raw); err == nil {
				h.Write(buf.Bytes())
			} else {
				h.Write(c.raw)
			}
		}
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return -int64(binary.BigEndian.Uint64(sum[:8])&(1<<52-1)) - 1, sum
}

// component converts a row into a component. space is where its ID came from.
func (r *rawRow) component() (c record.Component, space idSpace, synthetic bool, field, reason, detail string) {
	bad := func(f string, err error) (record.Component, idSpace, bool, string, string, string) {
		return record.Component{}, spaceNone, false, f, ReasonBadValue, err.Error()
	}
	var err error
	strs := []struct {
		col string
		dst *string
	}{
		{colComponentID, &c.ComponentID}, {colCMUID, &c.CMUID}, {colCompany, &c.Company},
		{colTechClass, &c.TechClass}, {colAuctionName, &c.AuctionName}, {colAuctionType, &c.AuctionType},
		{colDescription, &c.Description}, {colLocation, &c.Location}, {colGridRef, &c.GridRef},
	}
	for _, s := range strs {
		if *s.dst, err = r.text(s.col); err != nil {
			return bad(s.col, err)
		}
	}
	if r.has(snakeComponentID) {
		// The export's component_id is the app's database key, not a Component ID.
		c.ComponentID = ""
	}
	// The app shows, groups and links by the location text verbatim.
	if lc, ok := r.get(colLocation); ok && lc.str {
		c.LocationText = string(lc.raw)
	} else if ok && lc.kind == cellString {
		c.LocationText = jsonString(lc.raw)
	} else {
		c.LocationText = c.Location
	}
	if c.LocationText == c.Location {
		c.LocationText = c.Location // one string, not two copies (most texts need no trimming)
	}
	c.Location = cleanLocation(c.Location)
	c.GridRef = cleanLocation(c.GridRef)

	if c.DeliveryYear, err = r.deliveryYear(); err != nil {
		return bad(colDeliveryYear, err)
	}
	if c.DeratedMW, err = r.capacity(colDerated); err != nil {
		return bad(colDerated, err)
	}
	if c.ConnectionMW, err = r.capacity(colConnection); err != nil {
		return bad(colConnection, err)
	}
	if sc, ok := r.get(colSynthetic); ok {
		switch {
		case sc.kind == cellBool:
			synthetic = string(sc.raw) == "true"
		case sc.str || sc.kind == cellString || sc.kind == cellNull:
			t, _ := sc.text()
			synthetic = strings.EqualFold(t, "true")
		default:
			return bad(colSynthetic, fmt.Errorf("want true or false, got %s", describe(sc.raw)))
		}
	}

	switch {
	case r.has(colID) && r.fields[colID].kind != cellNull:
		id, err := r.positiveID(colID)
		if err != nil {
			return bad(colID, err)
		}
		if id != 0 {
			c.ID, space = id, spaceRegister
		}
	case r.has(snakeComponentID):
		id, err := r.positiveID(snakeComponentID)
		if err != nil {
			return bad(snakeComponentID, err)
		}
		if id != 0 {
			c.ID, space = id, spaceAppDB
		}
	}
	if space == spaceNone {
		if c.ComponentID == "" && c.CMUID == "" {
			return record.Component{}, spaceNone, false, "", ReasonMissingID, "no _id, Component ID or CMU ID"
		}
		// Identified by content; it stays in its file's key space.
		c.ID, space = r.identifyByContent(), spaceRegister
		if r.has(snakeComponentID) {
			space = spaceAppDB
		}
	}
	c.Category = record.Categorize(c.TechClass)
	return c, space, synthetic, "", "", ""
}

// cmu converts a CMU-level register row.
func (r *rawRow) cmu() (c record.CMU, field, reason, detail string) {
	bad := func(f string, err error) (record.CMU, string, string, string) {
		return record.CMU{}, f, ReasonBadValue, err.Error()
	}
	var err error
	strs := []struct {
		col string
		dst *string
	}{
		{colCMUID, &c.CMUID}, {colAuctionName, &c.AuctionName}, {colAuctionType, &c.AuctionType},
		{colApplicant, &c.Applicant}, {colUnitName, &c.UnitName}, {colParent, &c.ParentCompany},
		{colUnitType, &c.UnitType}, {colUnitCategory, &c.UnitCategory}, {colTransDist, &c.TransmissionDistribution},
		{colPrimaryFuel, &c.PrimaryFuel},
	}
	for _, s := range strs {
		if *s.dst, err = r.text(s.col); err != nil {
			return bad(s.col, err)
		}
	}
	if c.DeliveryYear, err = r.deliveryYear(); err != nil {
		return bad(colDeliveryYear, err)
	}
	nums := []struct {
		col string
		dst **float64
	}{{colConnection, &c.ConnectionMW}, {colDerated, &c.DeratedMW}, {colAnticipated, &c.AnticipatedDeratedMW}}
	for _, n := range nums {
		if *n.dst, err = r.capacity(n.col); err != nil {
			return bad(n.col, err)
		}
	}
	for _, k := range r.sortedKeys() {
		if !isContactColumn(k) {
			continue
		}
		v, err := r.text(k)
		if err != nil {
			return bad(k, err)
		}
		if v == "" {
			continue
		}
		if c.Contacts == nil {
			c.Contacts = map[string]string{}
		}
		c.Contacts[k] = v
	}
	if c.CMUID == "" {
		return record.CMU{}, colCMUID, ReasonMissingID, "a CMU row needs a CMU ID"
	}
	if r.has(colID) && r.fields[colID].kind != cellNull {
		var err error
		if c.ID, err = r.positiveID(colID); err != nil {
			return bad(colID, err)
		}
	}
	if c.ID == 0 {
		c.ID = r.identifyByContent()
	}
	return c, "", "", ""
}

// isContactColumn reports whether a CMU column holds personal contact data, which
// goes to CMU.Contacts only.
func isContactColumn(name string) bool {
	l := strings.ToLower(name)
	return strings.Contains(l, "contact") || strings.Contains(l, "email") ||
		strings.Contains(l, "telephone") || strings.Contains(l, "phone")
}

// cleanLocation trims a location (or grid reference) and maps no-location markers
// ("N/A", "TBC", "Component has yet to be procured", ...) to "": the postcode
// package owns that list, so the reader and the geocoder agree on it.
func cleanLocation(s string) string {
	if postcode.IsNoLocation(s) {
		return ""
	}
	return strings.TrimSpace(s)
}

// deliveryYear reads the "Delivery Year" column: 0 when null, an error when it is
// not a whole number or not a plausible Capacity Market year.
func (r *rawRow) deliveryYear() (int, error) {
	year, ok, err := r.integer(colDeliveryYear)
	if err != nil || !ok {
		return 0, err
	}
	if year < 1990 || year > 2100 {
		return 0, fmt.Errorf("delivery year %d is out of range", year)
	}
	return int(year), nil
}

// positiveID reads a row-id column exactly (see exactID): 0 when null.
func (r *rawRow) positiveID(col string) (int64, error) {
	id, _, err := r.exactID(col)
	return id, err
}
