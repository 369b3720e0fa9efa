package locations

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/prebake/prebake/appview"
	"github.com/prebake/prebake/record"
	"github.com/prebake/prebake/writer"
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
	for i := range comps {
		c := &comps[i]
		if !IsGroupText(c.LocationText) {
			continue
		}
		g := byText[c.LocationText]
		if g == nil {
			g = &group{text: c.LocationText, id: locationID(c.LocationText)}
			byText[c.LocationText] = g
		}
		g.members = append(g.members, c)
	}
	groups := make([]*group, 0, len(byText))
	for _, g := range byText {
		sort.Slice(g.members, func(i, j int) bool { return g.members[i].ID < g.members[j].ID })
		for _, c := range g.members {
			if c.Geo.Located {
				g.pos = c
				break
			}
		}
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].id < groups[j].id })
	return groups
}

// Pseudo-technologies the app adds to a location group's technologies, each
// counted as the group's component count, when its stored descriptions
// (lower-cased, joined with spaces) contain one of the patterns
// (checker/management/commands/add_pumped_hydro.py, add_ev_charging.py).
const (
	PumpedHydro = "Pumped Hydro"
	EVCharging  = "EV Charging"
)

var pseudoPatterns = []struct {
	tech     string
	patterns []string
}{
	{PumpedHydro, []string{"pumped storage", "pumped hydro"}},
	{EVCharging, []string{"ev charging", "electric vehicle", "domestic ev", "residential ev", "bus depot"}},
}

// TechPriority is the app's LocationGroup._TECH_PRIORITIES: a group's primary
// technology (`tech`) is the key of its technologies with the lowest number;
// any other key (a raw class) counts as 999.
var TechPriority = map[string]int{
	EVCharging: 1, PumpedHydro: 2, "Battery": 3, "Nuclear": 4, "Interconnector": 5, "Solar": 6, "Wind": 7,
	"Hydro": 8, "CHP": 9, "OCGT": 10, "Gas": 10, "Biomass": 11, "Coal": 12, "DSR": 13,
}

// TechFilters are the values of the search map's `tech` filter, in the app's
// order; the front end names the Gas category OCGT.
var TechFilters = []string{"CHP", "DSR", EVCharging, "Battery", "OCGT", "Wind", "Solar", "Nuclear", "Hydro", "Biomass", "Interconnector", "Coal"}

// techFilter is the `tech` filter value a technologies key matches: a
// pseudo-technology its own (Pumped Hydro is Hydro), a raw class its category
// (Gas as OCGT; a pumped-storage class also Hydro, as the app's Hydro list
// includes Pumped Storage Hydro), Other and Unknown none.
func techFilter(key string) []string {
	switch key {
	case EVCharging:
		return []string{EVCharging}
	case PumpedHydro:
		return []string{"Hydro"}
	}
	var out []string
	switch c := record.Categorize(key); c {
	case record.Other, record.Unknown:
	case record.Gas:
		out = append(out, "OCGT")
	default:
		out = append(out, string(c))
	}
	if strings.Contains(strings.ToLower(key), "pumped") {
		out = append(out, "Hydro")
	}
	return out
}

// activeAuctions are the auction-name fragments that make a group active.
var activeAuctions = []string{"2024-25", "2025-26", "2026-27", "2027-28", "2028-29", "2029-30"}

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

func countBy(members []*record.Component, key func(*record.Component) string) counted {
	n := map[string]int{}
	for _, c := range members {
		if k := key(c); k != "" {
			n[k]++
		}
	}
	out := make(counted, 0, len(n))
	for k, v := range n {
		out = append(out, struct {
			Name  string
			Count int
		}{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// attributes are a location group's stored fields, the app's LocationGroup.
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

	// Not in the app's LocationGroup: what its builder cuts off, and the
	// search map's tech filter values the group matches (TechFilters order).
	TechFilters       []string `json:"tech_filters"`
	DescriptionsTotal int      `json:"descriptions_total"`  // distinct non-empty descriptions
	AuctionNamesTotal int      `json:"auction_names_total"` // distinct auction names
	LocatedCount      int      `json:"located_count"`       // members with coordinates
}

func (g *group) attributes() attributes {
	a := attributes{ComponentCount: len(g.members), Descriptions: []string{}, AuctionYears: []string{}, CMUIDs: []string{}}
	a.Technologies = countBy(g.members, func(c *record.Component) string { return c.TechClass })
	a.Companies = countBy(g.members, func(c *record.Component) string { return c.Company })
	seenD, auctions, cmus := map[string]bool{}, map[string]bool{}, map[string]bool{}
	withMW := 0
	for _, c := range g.members {
		if c.Description != "" && !seenD[c.Description] {
			seenD[c.Description] = true
			if len(a.Descriptions) < 3 {
				a.Descriptions = append(a.Descriptions, c.Description)
			}
		}
		if c.AuctionName != "" {
			auctions[c.AuctionName] = true
		}
		if c.CMUID != "" {
			cmus[c.CMUID] = true
		}
		if c.DeratedMW != nil {
			withMW++
			a.CapacityMW += *c.DeratedMW
		}
		if c.Geo.Located {
			a.LocatedCount++
		}
	}
	a.DescriptionsTotal, a.AuctionNamesTotal = len(seenD), len(auctions)
	for n := range auctions {
		a.AuctionYears = append(a.AuctionYears, n)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(a.AuctionYears)))
	a.AuctionYears = a.AuctionYears[:min(5, len(a.AuctionYears))]
	for id := range cmus {
		a.CMUIDs = append(a.CMUIDs, id)
	}
	sort.Strings(a.CMUIDs)
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
	for _, p := range pseudoPatterns {
		for _, pat := range p.patterns {
			if strings.Contains(joined, pat) {
				a.Technologies = append(a.Technologies, struct {
					Name  string
					Count int
				}{p.tech, len(g.members)})
				break
			}
		}
	}
	match := map[string]bool{}
	for _, t := range a.Technologies {
		for _, f := range techFilter(t.Name) {
			match[f] = true
		}
	}
	a.TechFilters = []string{}
	for _, f := range TechFilters {
		if match[f] {
			a.TechFilters = append(a.TechFilters, f)
		}
	}
	return a
}

// primaryTech is LocationGroup.get_primary_technology: the technologies key
// with the lowest TechPriority (first in key order among equals), "Unknown"
// when there is none.
func (a *attributes) primaryTech() string {
	best, bestP := "Unknown", 0
	for i, t := range a.Technologies {
		p, ok := TechPriority[t.Name]
		if !ok {
			p = 999
		}
		if i == 0 || p < bestP {
			best, bestP = t.Name, p
		}
	}
	return best
}

// feature is a group as the app's /api/search-geojson/ returns it, plus the
// group's full attributes (so the app's filters can run on the file).
func (g *group) feature() feature {
	a := g.attributes()
	company := "Unknown"
	if len(a.Companies) > 0 {
		company = a.Companies[0].Name
	}
	desc, cmu := "", ""
	if len(a.Descriptions) > 0 {
		desc = appview.ShortDescription(a.Descriptions[0])
	}
	if len(a.CMUIDs) > 0 {
		cmu = a.CMUIDs[0]
	}
	return feature{
		Type:     "Feature",
		ID:       g.id,
		Geometry: point{Type: "Point", Coordinates: [2]float64{g.pos.Geo.Lng, g.pos.Geo.Lat}},
		Properties: properties{
			ID: g.id, Title: g.text, Tech: a.primaryTech(), Company: company, Desc: desc, CMU: cmu,
			URL: appview.LocationURL(g.text), Count: a.ComponentCount, Active: a.IsActive, MW: a.CapacityMW,
			attributes: a,
		},
	}
}

// GeoJSON of the location groups, in the app's property order. (Written with
// our own types: orb/geojson would pull a BSON dependency into the module.)
type featureCollection struct {
	Type     string    `json:"type"`
	Features []feature `json:"features"`
}

type feature struct {
	Type       string     `json:"type"`
	ID         string     `json:"id"`
	Geometry   point      `json:"geometry"`
	Properties properties `json:"properties"`
}

type point struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"` // lng, lat
}

type properties struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Tech    string  `json:"tech"`
	Company string  `json:"company"`
	Desc    string  `json:"desc"`
	CMU     string  `json:"cmu"`
	URL     string  `json:"url"`
	Count   int     `json:"count"`
	Active  bool    `json:"active"`
	MW      float64 `json:"mw"`
	attributes
}

// writeGroups writes GroupsDir/all.geojson (every group with a located
// component, at its first located component) and GroupsDir/<category>.geojson
// (the groups with at least one component of that category; the properties
// stay the whole group's, as the app's filters select locations, not components).
func writeGroups(comps []record.Component, w *writer.Writer, s *Summary) error {
	groups := buildGroups(comps)
	s.GroupsByCat = map[string]int{}
	write := func(name string, fc featureCollection) error {
		data, err := json.Marshal(fc)
		if err != nil {
			return fmt.Errorf("locations: encoding %s: %w", name, err)
		}
		if _, err := w.WriteAsset(name, data, writer.Meta{ContentType: "application/geo+json"}); err != nil {
			return fmt.Errorf("locations: writing %s: %w", name, err)
		}
		return nil
	}
	all := featureCollection{Type: "FeatureCollection", Features: []feature{}}
	var mapped []*group
	for _, g := range groups {
		if g.pos == nil {
			s.GroupsUnlocated++
			continue
		}
		mapped = append(mapped, g)
		all.Features = append(all.Features, g.feature())
		s.GroupComponents += len(g.members)
	}
	s.Groups = len(all.Features)
	if err := write(GroupsDir+"/all.geojson", all); err != nil {
		return err
	}
	if err := writeLists(groups, w); err != nil {
		return err
	}
	// One file per category, every category even when empty, so the manifest
	// always has the same names.
	for _, cat := range record.Categories {
		fc := featureCollection{Type: "FeatureCollection", Features: []feature{}}
		for i, g := range mapped {
			for _, c := range g.members {
				if c.Category == cat {
					fc.Features = append(fc.Features, all.Features[i])
					break
				}
			}
		}
		s.GroupsByCat[string(cat)] = len(fc.Features)
		if err := write(GroupsDir+"/"+string(cat)+".geojson", fc); err != nil {
			return err
		}
	}
	return nil
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
