package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prebake/prebake/postcode"
	"github.com/prebake/prebake/record"
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
		if len(c.raw) > MaxFieldBytes || !utf8.ValidString(k) || !utf8.Valid(c.raw) {
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
		if len(c.raw) > MaxFieldBytes {
			return k, ReasonTooLong, fmt.Sprintf("value is %d bytes, more than %d", len(c.raw), MaxFieldBytes)
		}
	}
	return "", "", ""
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

func (c cell) text() (string, error) {
	if c.str {
		return strings.TrimSpace(string(c.raw)), nil
	}
	switch c.kind {
	case cellNull:
		return "", nil
	case cellString:
		return strings.TrimSpace(jsonString(c.raw)), nil
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
		s = strings.ReplaceAll(t, ",", "")
	case c.kind == cellNull:
		return nil, nil
	case c.kind == cellNumber:
		s = string(c.raw)
	default:
		return nil, fmt.Errorf("want a number, got %s", describe(c.raw))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("want a number, got %s", describe(c.raw))
	}
	return &f, nil
}

// integer returns an integral field; ok=false when null, empty or absent.
func (r *rawRow) integer(name string) (v int64, ok bool, err error) {
	f, err := r.number(name)
	if err != nil || f == nil {
		return 0, false, err
	}
	if *f != math.Trunc(*f) || math.Abs(*f) > 1<<53 {
		c, _ := r.get(name)
		return 0, false, fmt.Errorf("want an integer, got %s", describe(c.raw))
	}
	return int64(*f), true, nil
}

// contentID identifies a row without `_id` by its content: a negative number from
// the SHA-256 of its sorted fields, so it never collides with a register id.
func (r *rawRow) contentID() int64 {
	h := sha256.New()
	for _, k := range r.sortedKeys() {
		if k == colRank {
			continue
		}
		c := r.fields[k]
		h.Write([]byte(k))
		h.Write([]byte{0})
		if c.str {
			h.Write([]byte(strings.TrimSpace(string(c.raw))))
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
	sum := h.Sum(nil)
	return -int64(binary.BigEndian.Uint64(sum[:8])>>1) - 1
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
	if c.DeratedMW, err = r.number(colDerated); err != nil {
		return bad(colDerated, err)
	}
	if c.ConnectionMW, err = r.number(colConnection); err != nil {
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
		c.ID, space = r.contentID(), spaceRegister
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
		if *n.dst, err = r.number(n.col); err != nil {
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
		c.ID = r.contentID()
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

// positiveID reads a row-id column: 0 when null, an error when it is not a
// positive whole number.
func (r *rawRow) positiveID(col string) (int64, error) {
	id, ok, err := r.integer(col)
	if err != nil || !ok {
		return 0, err
	}
	if id <= 0 {
		return 0, fmt.Errorf("%s %d is not a positive integer", col, id)
	}
	return id, nil
}
