package locations

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"

	"github.com/prebake/prebake/appview"
	"github.com/prebake/prebake/record"
	"github.com/prebake/prebake/writer"
)

// group is one distinct location: located components sharing a normalized
// location text whose positions lie within Options.SplitMetres of the text's
// most common position.
type group struct {
	id      string
	key     string    // normalized location text (or a stand-in, see groupText)
	pos     orb.Point // the most common position of its components (lng, lat)
	members []*record.Component
}

// normText is the location text two components must share to be one location:
// upper-cased, whitespace (newlines, tabs, no-break spaces) collapsed, no space
// before a comma or full stop, repeated commas and trailing punctuation dropped.
// It makes "Kirkhaw Lane\nKnottingley\nWF11 8RD" and "KIRKHAW LANE, KNOTTINGLEY,
// WF11 8RD." the same place only when they match after that; it does not guess.
func normText(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 && r != ',' && r != '.' {
			b.WriteByte(' ')
		}
		space = false
		if r == ',' && strings.HasSuffix(b.String(), ",") {
			continue
		}
		b.WriteString(strings.ToUpper(string(r)))
	}
	return strings.TrimRight(b.String(), " ,.;:")
}

// groupText is a located component's grouping text: its normalized location, or
// when the register gives none, its grid reference or postcode, or else its
// position, so that every located component belongs to exactly one group.
func groupText(c *record.Component) string {
	if t := normText(c.Location); t != "" {
		return t
	}
	if c.GridRef != "" {
		return "GRID " + c.GridRef
	}
	if c.Postcode != "" {
		return "POSTCODE " + c.Postcode
	}
	return "POINT " + coord6(c.Geo.Lat) + "," + coord6(c.Geo.Lng)
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func coord6(v float64) string { return strconv.FormatFloat(round6(v), 'f', -1, 64) }

// locationID is a group's stable id: a hash of its text, and for a second
// position of the same text, of the text and that position to 0.001°. It does
// not depend on component ids or on the order of the register.
func locationID(text string, pos orb.Point, primary bool) string {
	h := sha256.New()
	h.Write([]byte(text))
	if !primary {
		fmt.Fprintf(h, "@%.3f,%.3f", pos[1], pos[0])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// buildGroups groups the located components into distinct locations, sorted by id.
func buildGroups(comps []record.Component, splitMetres float64) []*group {
	byText := map[string][]*record.Component{}
	for i := range comps {
		c := &comps[i]
		if !c.Geo.Located {
			continue
		}
		t := groupText(c)
		byText[t] = append(byText[t], c)
	}
	var groups []*group
	ids := map[string]bool{}
	for _, text := range slices.Sorted(maps.Keys(byText)) {
		members := byText[text]
		// Distinct positions, most common first, so a text's main site anchors it.
		type posCount struct {
			p orb.Point
			n int
		}
		counts := map[orb.Point]int{}
		for _, c := range members {
			counts[orb.Point{round6(c.Geo.Lng), round6(c.Geo.Lat)}]++
		}
		pcs := make([]posCount, 0, len(counts))
		for p, n := range counts {
			pcs = append(pcs, posCount{p, n})
		}
		sort.Slice(pcs, func(i, j int) bool {
			a, b := pcs[i], pcs[j]
			if a.n != b.n {
				return a.n > b.n
			}
			if a.p[1] != b.p[1] {
				return a.p[1] < b.p[1]
			}
			return a.p[0] < b.p[0]
		})
		var gs []*group
		anchorOf := map[orb.Point]*group{}
		for _, pc := range pcs {
			var home *group
			for _, g := range gs {
				if geo.Distance(g.pos, pc.p) <= splitMetres {
					home = g
					break
				}
			}
			if home == nil {
				home = &group{key: text, pos: pc.p}
				home.id = locationID(text, pc.p, len(gs) == 0)
				for n := 2; ids[home.id]; n++ { // a 48-bit hash collision: keep ids unique, deterministically
					home.id = locationID(text, pc.p, len(gs) == 0)[:9] + "-" + strconv.Itoa(n)
				}
				ids[home.id] = true
				gs = append(gs, home)
			}
			anchorOf[pc.p] = home
		}
		for _, c := range members {
			g := anchorOf[orb.Point{round6(c.Geo.Lng), round6(c.Geo.Lat)}]
			g.members = append(g.members, c)
		}
		groups = append(groups, gs...)
	}
	for _, g := range groups {
		sort.Slice(g.members, func(i, j int) bool { return g.members[i].ID < g.members[j].ID })
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].id < groups[j].id })
	return groups
}

var categoryRank = func() map[record.Category]int {
	m := map[record.Category]int{}
	for i, c := range record.Categories {
		m[c] = i
	}
	return m
}()

// feature is a group as the app's /api/search-geojson/ returns it, computed over
// members (all of the group's components, or those of one category).
func (g *group) feature(members []*record.Component, activeFrom int) feature {
	// tech: the most common category, ties in legend order.
	catN := map[record.Category]int{}
	for _, c := range members {
		catN[c.Category]++
	}
	tech := members[0].Category
	for cat, n := range catN {
		if n > catN[tech] || (n == catN[tech] && categoryRank[cat] < categoryRank[tech]) {
			tech = cat
		}
	}
	// The representative (company, cmu, desc) is tech's most recent component.
	var rep *record.Component
	for _, c := range members {
		if c.Category != tech {
			continue
		}
		if rep == nil || c.DeliveryYear > rep.DeliveryYear || (c.DeliveryYear == rep.DeliveryYear && c.ID < rep.ID) {
			rep = c
		}
	}
	// title: the most common spelling of the location, ties to the smallest.
	titleN := map[string]int{}
	for _, c := range members {
		titleN[strings.TrimSpace(c.Location)]++
	}
	title := ""
	for t, n := range titleN {
		if t == "" {
			continue
		}
		if title == "" || n > titleN[title] || (n == titleN[title] && t < title) {
			title = t
		}
	}
	if title == "" {
		title = g.key
	}
	active := false
	mw := 0.0
	for _, c := range members {
		if c.DeliveryYear >= activeFrom {
			active = true
		}
		if c.DeratedMW != nil {
			mw += *c.DeratedMW
		}
	}
	return feature{
		Type:     "Feature",
		ID:       g.id,
		Geometry: point{Type: "Point", Coordinates: [2]float64{g.pos[0], g.pos[1]}},
		Properties: properties{
			ID:      g.id,
			Title:   title,
			Tech:    string(tech),
			Company: rep.Company,
			Desc:    appview.Description(rep.Description),
			CMU:     rep.CMUID,
			URL:     "/location/" + g.id + "/",
			Count:   len(members),
			Active:  active,
			MW:      math.Round(mw*1000) / 1000,
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
}

func writeGroups(comps []record.Component, w *writer.Writer, opts Options, s *Summary) error {
	groups := buildGroups(comps, opts.SplitMetres)
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
	for _, g := range groups {
		all.Features = append(all.Features, g.feature(g.members, opts.ActiveFromYear))
		s.GroupComponents += len(g.members)
	}
	s.Groups = len(all.Features)
	if err := write(GroupsDir+"/all.geojson", all); err != nil {
		return err
	}
	// One file per category, every category even when empty, so the manifest
	// always has the same names.
	for _, cat := range record.Categories {
		fc := featureCollection{Type: "FeatureCollection", Features: []feature{}}
		for _, g := range groups {
			var ms []*record.Component
			for _, c := range g.members {
				if c.Category == cat {
					ms = append(ms, c)
				}
			}
			if len(ms) > 0 {
				fc.Features = append(fc.Features, g.feature(ms, opts.ActiveFromYear))
			}
		}
		s.GroupsByCat[string(cat)] = len(fc.Features)
		if err := write(GroupsDir+"/"+string(cat)+".geojson", fc); err != nil {
			return err
		}
	}
	return nil
}
