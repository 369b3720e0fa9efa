package locations

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/prebake/prebake/internal/apprules"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// group is one of the app's location groups (LocationGroup, built by its
// build_location_groups command): every component with one location text,
// verbatim, located or not.
type group struct {
	id      string
	text    string              // the location text, verbatim
	members []*record.Component // ascending register id
	pos     *record.Component   // the first located member; nil when none is located
}

// IsGroupText reports whether the app makes a location group of a location
// text: not empty, not "None", "N/A" or "NA", and containing neither "TBC" nor
// "to be confirmed" in any case (build_location_groups' exclusions).
func IsGroupText(text string) bool {
	switch text {
	case "", "None", "N/A", "NA":
		return false
	}
	l := strings.ToLower(text)
	return !strings.Contains(l, "tbc") && !strings.Contains(l, "to be confirmed")
}

// locationID is a group's stable id: the first 12 hex digits of the SHA-256 of
// its location text. It does not depend on component ids or register order
// (the app's id is a database key prebake cannot know).
func locationID(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])[:12]
}

// buildGroups groups every component by its verbatim location text, sorted by id.
func buildGroups(comps []record.Component) []*group {
	byText := map[string]*group{}
	var last *group // the previous component's group: a site's components often come together
	for i := range comps {
		c := &comps[i]
		g := last
		if g == nil || g.text != c.LocationText {
			g = byText[c.LocationText]
		}
		if g == nil {
			if !IsGroupText(c.LocationText) { // once per text that makes a group
				continue
			}
			g = &group{text: c.LocationText, id: locationID(c.LocationText)}
			byText[c.LocationText] = g
		}
		g.members = append(g.members, c)
		last = g
	}
	groups := make([]*group, 0, len(byText))
	byID := func(a, b *record.Component) int { return cmp.Compare(a.ID, b.ID) }
	for _, g := range byText {
		// Members come in the dataset's order, which is by ID
		// (record.Dataset): checking is one pass where sorting each of
		// hundreds of thousands of groups cost a second at 1M components.
		if !slices.IsSortedFunc(g.members, byID) {
			slices.SortStableFunc(g.members, byID)
		}
		for _, c := range g.members {
			if c.Geo.Located {
				g.pos = c
				break
			}
		}
		groups = append(groups, g)
	}
	// Ids are distinct (12 hex digits of a SHA-256 of distinct texts), so
	// any sort gives this order.
	slices.SortFunc(groups, func(a, b *group) int { return strings.Compare(a.id, b.id) })
	return groups
}

// pseudoTechnologies are the app's pseudo-technologies (app_rules.json
// pseudo_technologies, from checker/management/commands/add_pumped_hydro.py,
// add_ev_charging.py): a location group gains the technologies key Name,
// counted as its component count, when its stored descriptions (lower-cased,
// joined with spaces) contain one of Patterns.
var pseudoTechnologies = apprules.App.PseudoTechnologies

// techPriority is the app's LocationGroup._TECH_PRIORITIES (app_rules.json
// tech_priority): a group's primary technology (`tech`) is the key of its
// technologies with the lowest number; any other key (a raw class) counts as
// tech_priority_default.
var techPriority, techPriorityDefault = apprules.App.TechPriority, apprules.App.TechPriorityDefault

// activeAuctions are the auction-name fragments that make a group active
// (app_rules.json active_auction_years).
var activeAuctions = apprules.App.ActiveAuctionYears

// counted is an ordered {name: count} object: the app builds it from a query
// ordered by count descending (ties here: by name), so its key order is part
// of what `tech` and `company` pick.
type counted []struct {
	Name  string
	Count int
}

func (c counted) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, e := range c {
		if i > 0 {
			b = append(b, ',')
		}
		k, err := json.Marshal(e.Name)
		if err != nil {
			return nil, err
		}
		b = append(b, k...)
		b = append(b, ':')
		b = append(b, fmt.Sprint(e.Count)...)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads the object back in its key order.
func (c *counted) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("counted: want an object")
	}
	*c = (*c)[:0]
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		var n int
		if err := d.Decode(&n); err != nil {
			return err
		}
		*c = append(*c, struct {
			Name  string
			Count int
		}{tok.(string), n})
	}
	return nil
}

// countBy counts the members' non-empty keys, by count descending, ties by
// key. (Sorted slices rather than a map: most groups have a handful of
// members, where allocating a map per group cost more than the counting.)
func countBy(members []*record.Component, key func(*record.Component) string) counted {
	keys := make([]string, 0, len(members))
	for _, c := range members {
		if k := key(c); k != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out counted
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		out = append(out, struct {
			Name  string
			Count int
		}{keys[i], j - i})
		i = j
	}
	if out == nil {
		out = counted{}
	}
	slices.SortStableFunc(out, func(x, y struct {
		Name  string
		Count int
	}) int {
		return y.Count - x.Count // stable: equal counts keep the keys' ascending order
	})
	return out
}

// distinct sorts ss and drops repeats, in place.
func distinct(ss []string) []string {
	slices.Sort(ss)
	return slices.Compact(ss)
}

// attributes are a location group's stored fields, the app's LocationGroup
// (the tags name its fields; the groups file writes them through properties,
// each value once).
type attributes struct {
	ComponentCount     int      `json:"component_count"`
	Technologies       counted  `json:"technologies"` // {raw class: n}, then the pseudo-technologies
	Companies          counted  `json:"companies"`    // {company name: n}
	Descriptions       []string `json:"descriptions"` // first 3 distinct non-empty (ascending register id)
	AuctionYears       []string `json:"auction_years"`
	CMUIDs             []string `json:"cmu_ids"`
	CapacityMW         float64  `json:"capacity_mw"`
	CapacityConfidence string   `json:"capacity_confidence"`
	IsActive           bool     `json:"is_active"`

	// Not in the app's LocationGroup: what its builder cuts off.
	DescriptionsTotal int `json:"descriptions_total"`  // distinct non-empty descriptions
	AuctionNamesTotal int `json:"auction_names_total"` // distinct auction names
	LocatedCount      int `json:"located_count"`       // members with coordinates

	// For the lists and search.json, gathered in the one pass over the
	// members (each further pass reached into every member's record again).
	newest       int       // the newest delivery year of a member, 0 when none is known
	auctionNames []string  // every distinct non-empty auction name
	ownCompanies []float64 // per Companies entry: its own components' de-rated capacity
	ownTechs     []float64 // per Technologies entry: the same
}

func (g *group) attributes() attributes {
	a := attributes{ComponentCount: len(g.members), Descriptions: []string{}, AuctionYears: []string{}, CMUIDs: []string{}}
	a.Technologies = countBy(g.members, func(c *record.Component) string { return c.TechClass })
	a.Companies = countBy(g.members, func(c *record.Component) string { return c.Company })
	descs := make([]string, 0, len(g.members))
	auctions := make([]string, 0, len(g.members))
	cmus := make([]string, 0, len(g.members))
	withMW := 0
	for _, c := range g.members {
		if c.Description != "" {
			descs = append(descs, c.Description)
			if len(a.Descriptions) < 3 && !slices.Contains(a.Descriptions, c.Description) {
				a.Descriptions = append(a.Descriptions, c.Description)
			}
		}
		if c.AuctionName != "" {
			auctions = append(auctions, c.AuctionName)
		}
		if c.CMUID != "" {
			cmus = append(cmus, c.CMUID)
		}
		if c.DeratedMW != nil {
			withMW++
			a.CapacityMW += *c.DeratedMW
		}
		if c.Geo.Located {
			a.LocatedCount++
		}
		a.newest = max(a.newest, c.DeliveryYear)
	}
	auctions = distinct(auctions)
	a.auctionNames = auctions
	a.DescriptionsTotal, a.AuctionNamesTotal = len(distinct(descs)), len(auctions)
	slices.Reverse(auctions)
	a.AuctionYears = append(a.AuctionYears, auctions[:min(5, len(auctions))]...)
	a.CMUIDs = append(a.CMUIDs, distinct(cmus)...)
	a.CapacityMW = math.Round(a.CapacityMW*1000) / 1000
	switch {
	case withMW == 0:
		a.CapacityConfidence = "none"
	case withMW == len(g.members):
		a.CapacityConfidence = "high"
	case 2*withMW >= len(g.members):
		a.CapacityConfidence = "medium"
	default:
		a.CapacityConfidence = "low"
	}
	for _, n := range a.AuctionYears {
		for _, y := range activeAuctions {
			if strings.Contains(n, y) {
				a.IsActive = true
			}
		}
	}
	joined := strings.ToLower(strings.Join(a.Descriptions, " "))
	for _, p := range pseudoTechnologies {
		for _, pat := range p.Patterns {
			if strings.Contains(joined, pat) {
				a.Technologies = append(a.Technologies, struct {
					Name  string
					Count int
				}{p.Name, len(g.members)})
				break
			}
		}
	}
	a.ownCompanies = ownCapacity(g.members, a.Companies, func(c *record.Component) string { return c.Company })
	a.ownTechs = ownCapacity(g.members, a.Technologies, func(c *record.Component) string { return c.TechClass })
	return a
}

// ownCapacity sums, for each entry of c, the de-rated capacity of the
// members whose key is the entry's name, in member order (the order a sum
// by name in a map would take). A loop per entry, not a map per group: most
// groups have a member or two.
func ownCapacity(members []*record.Component, c counted, key func(*record.Component) string) []float64 {
	if len(c) == 0 {
		return nil
	}
	own := make([]float64, len(c))
	for k, e := range c {
		for _, m := range members {
			if m.DeratedMW != nil && key(m) == e.Name {
				own[k] += *m.DeratedMW
			}
		}
	}
	return own
}

// primaryTech is LocationGroup.get_primary_technology: the technologies key
// with the lowest techPriority (first in key order among equals), "Unknown"
// when there is none. Not written: the client rebuilds `tech` from
// `technologies` (js/src/groups.mjs, python prebake.location_groups).
func (a *attributes) primaryTech() string {
	best, bestP := "Unknown", 0
	for i, t := range a.Technologies {
		p, ok := techPriority[t.Name]
		if !ok {
			p = techPriorityDefault
		}
		if i == 0 || p < bestP {
			best, bestP = t.Name, p
		}
	}
	return best
}

// The location groups file (GroupsDir/all.geojson): a GeoJSON
// FeatureCollection with one Point per located group. Every value is written
// once: the properties the app's /api/search-geojson/ derives from others
// (tech, company, desc, cmu, url) and the LocationGroup attributes that repeat
// a property (component_count = count, is_active = active, capacity_mw = mw)
// are rebuilt by the client; auction names are written once, in the
// collection's foreign member auction_names (RFC 7946 section 6.1), and a
// group's auction_years are indices into it. The rebuild is specified in
// internal/generators/locations/README.md and docs/app-contract.md. (Written with our
// own types: orb/geojson would pull a BSON dependency into the module.)
type featureCollection struct {
	Type         string    `json:"type"`
	AuctionNames []string  `json:"auction_names"` // every group's auction names, distinct, descending
	Features     []feature `json:"features"`
}

type feature struct {
	Type       string     `json:"type"`
	Geometry   point      `json:"geometry"`
	Properties properties `json:"properties"`
}

type point struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"` // lng, lat, rounded to 6 decimals (<= 0.11 m)
}

// properties are a group's values as written: the app's names where it has
// them, each value once.
type properties struct {
	ID                 string   `json:"id"`
	Title              string   `json:"title"`
	Count              int      `json:"count"`  // component_count
	Active             bool     `json:"active"` // is_active
	MW                 float64  `json:"mw"`     // capacity_mw
	Technologies       counted  `json:"technologies"`
	Companies          counted  `json:"companies"`
	Descriptions       []string `json:"descriptions"`
	CMUIDs             []string `json:"cmu_ids"`
	Auctions           []int    `json:"auctions"` // auction_years as indices into auction_names, ascending
	CapacityConfidence string   `json:"capacity_confidence"`
	// Added (not in the app), each left out when it equals what it would
	// repeat: descriptions_total when len(descriptions), auction_names_total
	// when len(auctions), located_count when count.
	DescriptionsTotal int `json:"descriptions_total,omitempty"`
	AuctionNamesTotal int `json:"auction_names_total,omitempty"`
	LocatedCount      int `json:"located_count,omitempty"`
}

// feature is the group as written, its auction names numbered by index.
func (g *group) feature(a *attributes, index map[string]int) feature {
	p := properties{
		ID: g.id, Title: g.text, Count: a.ComponentCount, Active: a.IsActive, MW: a.CapacityMW,
		Technologies: a.Technologies, Companies: a.Companies, Descriptions: a.Descriptions, CMUIDs: a.CMUIDs,
		Auctions: make([]int, len(a.AuctionYears)), CapacityConfidence: a.CapacityConfidence,
	}
	for i, n := range a.AuctionYears {
		p.Auctions[i] = index[n]
	}
	if a.DescriptionsTotal != len(a.Descriptions) {
		p.DescriptionsTotal = a.DescriptionsTotal
	}
	if a.AuctionNamesTotal != len(a.AuctionYears) {
		p.AuctionNamesTotal = a.AuctionNamesTotal
	}
	if a.LocatedCount != a.ComponentCount {
		p.LocatedCount = a.LocatedCount
	}
	return feature{
		Type:       "Feature",
		Geometry:   point{Type: "Point", Coordinates: [2]float64{round6(g.pos.Geo.Lng), round6(g.pos.Geo.Lat)}},
		Properties: p,
	}
}

// writeGroups writes GroupsDir/all.geojson (every group with a located
// component, at its first located component, in id order) and the lists over
// every group. There is no file per category: the client filters this one
// with the endpoint's rules (js/src/groups.mjs).
func writeGroups(comps []record.Component, w *writer.Writer, s *Summary) error {
	groups := buildGroups(comps)
	attrs := make([]attributes, len(groups))
	for i, g := range groups {
		attrs[i] = g.attributes()
	}
	index := map[string]int{}
	located := 0
	for _, g := range groups {
		if g.pos != nil {
			located++
		}
	}
	all := featureCollection{Type: "FeatureCollection", AuctionNames: []string{}, Features: make([]feature, 0, located)}
	for i, g := range groups {
		if g.pos == nil {
			continue
		}
		for _, n := range attrs[i].AuctionYears {
			index[n] = 0
		}
	}
	for n := range index {
		all.AuctionNames = append(all.AuctionNames, n)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(all.AuctionNames)))
	for i, n := range all.AuctionNames {
		index[n] = i
	}
	for i, g := range groups {
		if g.pos == nil {
			s.GroupsUnlocated++
			continue
		}
		all.Features = append(all.Features, g.feature(&attrs[i], index))
		s.GroupComponents += len(g.members)
	}
	s.Groups = len(all.Features)
	name := GroupsDir + "/all.geojson"
	// Streamed: at a million components the collection is hundreds of MB.
	aw, err := w.CreateAsset(name, writer.Meta{ContentType: "application/geo+json"})
	if err != nil {
		return fmt.Errorf("locations: writing %s: %w", name, err)
	}
	data, err := all.appendJSON(make([]byte, 0, writer.SpillSize+64<<10), aw.Spill)
	if err == nil {
		_, err = aw.Write(data)
	}
	if err != nil {
		// An encoding error (a mw JSON cannot hold) or a write error: the
		// error says which.
		aw.Abort()
		return fmt.Errorf("locations: %s: %w", name, err)
	}
	if _, err := aw.Close(); err != nil {
		return fmt.Errorf("locations: writing %s: %w", name, err)
	}
	if err := writeSearch(groups, attrs, w); err != nil {
		return fmt.Errorf("locations: writing %s: %w", SearchAsset, err)
	}
	return writeLists(groups, attrs, w)
}

// appendJSON appends the collection as JSON, the bytes encoding/json would
// give for its json tags but for strings, which are escaped as appendPyString
// does (non-ASCII as \uXXXX). Written by hand because reflection and the
// per-key MarshalJSON of counted were a third of the groups' encoding time.
// A mw that is not a finite number is an error, as in encoding/json. spill,
// when not nil, is called with b after each feature (writer.AssetWriter.Spill).
func (fc *featureCollection) appendJSON(b []byte, spill func([]byte) ([]byte, error)) ([]byte, error) {
	strs := func(b []byte, ss []string) []byte {
		b = append(b, '[')
		for i, s := range ss {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPyString(b, s)
		}
		return append(b, ']')
	}
	obj := func(b []byte, c counted) []byte {
		b = append(b, '{')
		for i, e := range c {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPyString(b, e.Name)
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(e.Count), 10)
		}
		return append(b, '}')
	}
	num := func(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'f', -1, 64) }
	b = append(b, `{"type":`...)
	b = appendPyString(b, fc.Type)
	b = append(b, `,"auction_names":`...)
	b = strs(b, fc.AuctionNames)
	b = append(b, `,"features":[`...)
	for i := range fc.Features {
		f := &fc.Features[i]
		p := &f.Properties
		if math.IsNaN(p.MW) || math.IsInf(p.MW, 0) {
			return nil, fmt.Errorf("group %q: field mw: %v is not a number JSON can hold", p.Title, p.MW)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":`...)
		b = appendPyString(b, f.Type)
		b = append(b, `,"geometry":{"type":`...)
		b = appendPyString(b, f.Geometry.Type)
		b = append(b, `,"coordinates":[`...)
		b = num(b, f.Geometry.Coordinates[0])
		b = append(b, ',')
		b = num(b, f.Geometry.Coordinates[1])
		b = append(b, `]},"properties":{"id":`...)
		b = appendPyString(b, p.ID)
		b = append(b, `,"title":`...)
		b = appendPyString(b, p.Title)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(p.Count), 10)
		b = append(b, `,"active":`...)
		b = strconv.AppendBool(b, p.Active)
		b = append(b, `,"mw":`...)
		b = num(b, p.MW)
		b = append(b, `,"technologies":`...)
		b = obj(b, p.Technologies)
		b = append(b, `,"companies":`...)
		b = obj(b, p.Companies)
		b = append(b, `,"descriptions":`...)
		b = strs(b, p.Descriptions)
		b = append(b, `,"cmu_ids":`...)
		b = strs(b, p.CMUIDs)
		b = append(b, `,"auctions":[`...)
		for j, n := range p.Auctions {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(n), 10)
		}
		b = append(b, `],"capacity_confidence":`...)
		b = appendPyString(b, p.CapacityConfidence)
		for _, o := range []struct {
			key string
			n   int
		}{{`,"descriptions_total":`, p.DescriptionsTotal}, {`,"auction_names_total":`, p.AuctionNamesTotal}, {`,"located_count":`, p.LocatedCount}} {
			if o.n != 0 { // omitempty
				b = append(b, o.key...)
				b = strconv.AppendInt(b, int64(o.n), 10)
			}
		}
		b = append(b, `}}`...)
		if spill != nil {
			var err error
			if b, err = spill(b); err != nil {
				return nil, err
			}
		}
	}
	return append(b, `]}`...), nil
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
