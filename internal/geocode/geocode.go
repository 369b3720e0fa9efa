// Package geocode locates register components offline, from the OS grid
// reference and the postcode in their location text, and says why a component
// cannot be put on the map when it cannot. The policy (which source wins, the
// precisions, what counts as Great Britain) is documented in docs/geocoding.md.
package geocode

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/prebake/prebake/internal/osgb"
	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/record"
)

// MaxDisagreementKm is how far two pieces of evidence in a row may be apart and
// still name the same site: a grid reference and a unit postcode, or a grid
// reference and the nearest unit postcode of a sector or district given alone
// (so a large rural district is measured by its extent, not its centroid). A
// typo in a grid reference's letters or digits moves it tens or hundreds of
// kilometres; a rural delivery point is rarely more than a few kilometres from
// the site it serves (remote hydro stations: up to 17 km on the real register).
const MaxDisagreementKm = 20

// MaxAreaDisagreementKm is how far a grid reference may be from the nearest unit
// postcode of a sector or district given without a full postcode. It is wider
// than MaxDisagreementKm because a district alone is the weaker evidence: on
// the real register the districts that disagree with a right grid reference are
// typos (Glen Moriston "IV3" for IV63, 41 km; Dunfermline "KY10" for KY11/12,
// 51 km), while a wrong square letter moves a grid reference by about 100 km or
// more (the sector PO6 1 against NJ 865 311: 730 km; the smallest real case is
// 151 km).
const MaxAreaDisagreementKm = 100

// gridPrecision names a grid square's size as a record precision.
func gridPrecision(side float64) string {
	switch side {
	case 1:
		return record.Precision1m
	case 10:
		return record.Precision10m
	case 100:
		return record.Precision100m
	case 1000:
		return record.Precision1km
	case 10000:
		return record.Precision10km
	default:
		return record.Precision100km
	}
}

// nonGBAreas are postcode areas outside Great Britain.
var nonGBAreas = map[string]bool{"BT": true, "GY": true, "JE": true, "IM": true}

func area(outcode string) string {
	i := 0
	for i < len(outcode) && outcode[i] >= 'A' && outcode[i] <= 'Z' {
		i++
	}
	return outcode[:i]
}

// metres between two WGS84 points on a sphere (good to 0.5%, plenty for a 20 km test).
func metres(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371008.8
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lng2-lng1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// candidate is one position the row's evidence offers.
type candidate struct {
	lat, lng  float64
	source    string
	precision string
	rank      int     // lower is finer: see rankOf
	slack     float64 // metres: half a grid square's diagonal, 0 for postcodes
	area      string  // sector or district whose units bound a centroid, "" for a point
	mention   int     // index in the row's postcode mentions; -1 for the grid reference
	label     string  // how the report names it: "SK 418 863", "BB10 2TN", "PO6 1"
}

// rankOf orders precisions from finest to coarsest: a grid reference of 1 km or
// finer names the site; a unit postcode a delivery point; then sector, a 10 km
// square, district, a 100 km square.
func rankOf(precision string) int {
	switch precision {
	case record.Precision1m, record.Precision10m, record.Precision100m, record.Precision1km:
		return 0
	case record.PrecisionUnit:
		return 1
	case record.PrecisionSector:
		return 2
	case record.Precision10km:
		return 3
	case record.PrecisionOutcode:
		return 4
	}
	return 5
}

// resolve looks a mention up: its unit, else its sector's centroid, else its
// district's centroid.
func resolve(m postcode.Mention, t *postcode.Table) (candidate, bool) {
	if m.Postcode != "" {
		if lat, lng, ok := t.Lookup(m.Postcode); ok {
			return candidate{lat: lat, lng: lng, source: record.GeoPostcode, precision: record.PrecisionUnit, label: m.Postcode}, true
		}
	}
	if m.Sector != "" {
		if lat, lng, ok := t.SectorCentroid(m.Sector); ok {
			return candidate{lat: lat, lng: lng, source: record.GeoPostcode, precision: record.PrecisionSector, area: m.Sector, label: m.Sector}, true
		}
	}
	if lat, lng, ok := t.OutcodeCentroid(m.Outcode); ok {
		return candidate{lat: lat, lng: lng, source: record.GeoPostcode, precision: record.PrecisionOutcode, area: m.Outcode, label: m.Outcode}, true
	}
	return candidate{}, false
}

// gap is how far apart two candidates are, in metres, allowing for their
// extent: a grid square's half-diagonal, and for a sector or district the
// distance to its nearest unit postcode rather than to its centroid.
// The scan over an area's units stops once the gap is at most enough (pass a
// negative enough for the exact gap).
func gap(a, b candidate, t *postcode.Table, enough float64) float64 {
	if a.area != "" && (b.area == "" || len(a.area) < len(b.area)) {
		a, b = b, a // a: the point, or the sector inside b's district
	}
	if b.area == "" {
		return max(0, metres(a.lat, a.lng, b.lat, b.lng)-a.slack-b.slack)
	}
	if inArea(a, b.area) {
		return 0 // a unit or sector inside the sector or district given
	}
	lats, lngs := t.Units(b.area)
	best := math.Inf(1)
	for i := range lats {
		if best = min(best, metres(a.lat, a.lng, lats[i], lngs[i])); best-a.slack <= enough {
			break
		}
	}
	return max(0, best-a.slack)
}

// inArea reports whether a postcode candidate lies in a sector or district by
// its code: "PO6 1AB" and "PO6 1" are in "PO6".
func inArea(a candidate, area string) bool {
	if a.source != record.GeoPostcode {
		return false
	}
	code := a.label
	if a.area != "" {
		code = a.area + " " // a sector "PO6 1"
	}
	if len(code) <= len(area) || !strings.HasPrefix(code, area) {
		return false
	}
	if strings.Contains(area, " ") {
		return true // sector "PO6 1" and unit "PO6 1AB"
	}
	return code[len(area)] == ' ' // district "PO6", not "PO60"
}

// agree reports whether two candidates can name the same site: within
// MaxDisagreementKm of each other, or MaxAreaDisagreementKm when one is a
// sector or district given alone.
func agree(a, b candidate, t *postcode.Table) bool {
	limit := MaxDisagreementKm * 1000.0
	if a.area != "" || b.area != "" {
		limit = MaxAreaDisagreementKm * 1000
	}
	return gap(a, b, t, limit) <= limit
}

// Locate geocodes one component in place (see Apply). Its evidence, in the
// precedence of docs/geocoding.md: the grid reference, the postcodes in the
// location, and last the app's stored position (Component.App).
func Locate(c *record.Component, t *postcode.Table) {
	locate(c, t, postcode.Mentions(c.Location))
}

// mentionsMemo is postcode.Mentions of each location text seen, for one
// goroutine of Apply: a register repeats a site's text on each of its
// components (the real one has about four rows per distinct text), and
// reading the text was half of geocoding. The slices are shared by the rows
// of one text and only read.
type mentionsMemo map[string][]postcode.Mention

func (m mentionsMemo) of(text string) []postcode.Mention {
	got, ok := m[text]
	if !ok {
		got = postcode.Mentions(text)
		m[text] = got
	}
	return got
}

// locate is Locate with the postcodes the location mentions already found.
func locate(c *record.Component, t *postcode.Table, mentions []postcode.Mention) {
	c.Geo = record.Geocode{}

	var grid *candidate
	gridBad := false
	if raw := strings.TrimSpace(c.GridRef); raw != "" && !isPlaceholderGrid(raw) {
		if g, err := osgb.ParseGridRef(raw); err == nil {
			c.GridRef = g.String()
			lat, lng := osgb.ToWGS84(g.Easting, g.Northing)
			p := gridPrecision(g.Precision)
			gc := candidate{lat: lat, lng: lng, source: record.GeoGridRef, precision: p, rank: rankOf(p),
				slack: g.Precision / math.Sqrt2, mention: -1, label: c.GridRef}
			if InGB(lat, lng) {
				grid = &gc
				if odd := nonASCII(raw); odd != "" {
					c.Geo.GridRefIssue = record.GridRefRepaired
					c.Geo.GridRefDetail = fmt.Sprintf("%q read as %s: %s taken for a space", raw, c.GridRef, odd)
				}
			} else {
				c.Geo.GridRefIssue = record.GridRefOutsideGB
				c.Geo.GridRefDetail = fmt.Sprintf("%s (%.5f, %.5f) is outside Great Britain", c.GridRef, lat, lng)
			}
		} else {
			c.GridRef = raw // kept as given so reports can show what was wrong
			gridBad = true
			c.Geo.GridRefIssue = record.GridRefUnparseable
			c.Geo.GridRefDetail = err.Error()
		}
	}

	// Every postcode mention that the table knows and that lies in GB.
	var pcs []candidate
	outside := c.Geo.GridRefIssue == record.GridRefOutsideGB
	for i, m := range mentions {
		if nonGBAreas[area(m.Outcode)] {
			outside = true
			continue
		}
		if t == nil {
			continue
		}
		if cand, ok := resolve(m, t); ok {
			if !InGB(cand.lat, cand.lng) {
				outside = true
				continue
			}
			cand.mention, cand.rank = i, rankOf(cand.precision)
			pcs = append(pcs, cand)
		}
	}

	// Support: how many of the other pieces of evidence agree with each one.
	all := pcs
	if grid != nil {
		all = append(append([]candidate(nil), pcs...), *grid)
	}
	support := func(x candidate) int {
		n := 0
		for _, y := range all {
			if y.mention != x.mention && agree(x, y, t) {
				n++
			}
		}
		return n
	}

	// The choice. A grid reference of 1 km or finer names the site: it wins when
	// no postcode is known, when the location says offshore (the postcode is the
	// onshore substation's), or when at least one postcode in the row agrees with
	// it. Otherwise the postcode with the most support wins, then the finest,
	// then the first in the text; a 10 km or 100 km square competes as one more
	// coarse candidate.
	var chosen *candidate
	if grid != nil && (grid.rank == 0 || isOffshore(c)) && (len(pcs) == 0 || isOffshore(c) || support(*grid) > 0) {
		chosen = grid
	} else {
		pool := pcs
		if grid != nil && grid.rank > 0 {
			pool = append(append([]candidate(nil), pcs...), *grid)
		}
		bestSupport := -1
		for i := range pool {
			s := support(pool[i])
			if chosen == nil || s > bestSupport || s == bestSupport && pool[i].rank < chosen.rank {
				chosen, bestSupport = &pool[i], s
			}
		}
		if grid != nil && grid.rank == 0 && chosen != nil {
			c.Geo.GridRefIssue = record.GridRefContradicted
			c.Geo.GridRefDetail = contradiction(*grid, pcs, chosen, t)
		}
	}

	// The row's postcode: the chosen one, or the one nearest the chosen grid
	// reference that agrees with it, or else the last full postcode mentioned.
	pick := -1
	switch {
	case chosen != nil && chosen.mention >= 0:
		pick = chosen.mention
	case chosen != nil:
		bestGap := math.Inf(1)
		for _, p := range pcs {
			if g := gap(*chosen, p, t, -1); agree(*chosen, p, t) && g < bestGap {
				pick, bestGap = p.mention, g
			}
		}
	}
	if pick < 0 {
		for i := len(mentions) - 1; i >= 0 && pick < 0; i-- {
			if mentions[i].Postcode != "" {
				pick = i
			}
		}
		if pick < 0 {
			pick = len(mentions) - 1
		}
	}
	c.Postcode, c.Outcode = "", ""
	if pick >= 0 {
		c.Postcode, c.Outcode = mentions[pick].Postcode, mentions[pick].Outcode
	}

	// The app's stored position is the last evidence: it places the
	// component only when the row's own evidence cannot, and is otherwise
	// checked against the position used as a second postcode would be.
	if app := appCandidate(c); app != nil {
		switch {
		case chosen == nil:
			chosen = app
		case !agree(*chosen, *app, t):
			c.Geo.AppIssue = record.AppDisagrees
			c.Geo.AppDetail = appDisagreement(*chosen, *app, t)
		}
	}
	if chosen != nil {
		c.Geo.Lat, c.Geo.Lng, c.Geo.Located = chosen.lat, chosen.lng, true
		c.Geo.Source, c.Geo.Precision = chosen.source, chosen.precision
		return
	}
	switch {
	case outside:
		c.Geo.Unlocated = record.UnlocatedOutsideGB
	case len(mentions) > 0:
		if t == nil {
			c.Geo.Unlocated = record.UnlocatedNoPostcodeTable
		} else {
			c.Geo.Unlocated = record.UnlocatedUnknownPostcode
		}
	case gridBad:
		c.Geo.Unlocated = record.UnlocatedBadGridRef
	default:
		c.Geo.Unlocated = record.UnlocatedNoLocation
	}
}

// contradiction says, for the report, how far a grid reference that lost is
// from each postcode in the row, against which limit, and what was used:
// "SK 418 863 disagrees with every postcode in the row: BB10 2TN 73 km
// (limit 20 km); used BB10 2TN".
func contradiction(grid candidate, pcs []candidate, chosen *candidate, t *postcode.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s disagrees with every postcode in the row:", grid.label)
	for i, p := range pcs {
		if i > 0 {
			b.WriteString(",")
		}
		limit, what := MaxDisagreementKm, ""
		if p.area != "" {
			limit, what = MaxAreaDisagreementKm, " (nearest unit)"
		}
		fmt.Fprintf(&b, " %s%s %.0f km (limit %d km)", p.label, what, gap(grid, p, t, -1)/1000, limit)
	}
	fmt.Fprintf(&b, "; used %s", chosen.label)
	return b.String()
}

// appCandidate is the app's stored position as a candidate, nil when the row
// has none or it lies outside Great Britain (then reported: AppOutsideGB).
func appCandidate(c *record.Component) *candidate {
	if c.App == nil {
		return nil
	}
	lat, lng := c.App.Lat, c.App.Lng
	if !InGB(lat, lng) {
		c.Geo.AppIssue = record.AppOutsideGB
		c.Geo.AppDetail = fmt.Sprintf("the app's position (%.5f, %.5f) is outside Great Britain", lat, lng)
		return nil
	}
	return &candidate{lat: lat, lng: lng, source: record.GeoApp, precision: record.PrecisionApp,
		rank: 6, mention: -2, label: fmt.Sprintf("(%.5f, %.5f)", lat, lng)}
}

// appDisagreement says, for the report, how far the app's position is from
// the position used, against which limit: "the app's position (51.50000,
// -0.12000) is 73 km from SE 473 250 (limit 20 km), which is used".
func appDisagreement(chosen, app candidate, t *postcode.Table) string {
	limit, what := MaxDisagreementKm, ""
	if chosen.area != "" {
		limit, what = MaxAreaDisagreementKm, "the nearest unit of "
	}
	return fmt.Sprintf("the app's position %s is %.0f km from %s%s (limit %d km), which is used",
		app.label, gap(chosen, app, t, -1)/1000, what, chosen.label, limit)
}

// Apply geocodes every component in place: it sets Postcode and Outcode from
// Location, normalizes GridRef, and fills Geo. t may be nil (no postcode table):
// then only grid references locate components. Components are independent, so
// the work is split across CPUs; each writes only its own element, so the result
// does not depend on GOMAXPROCS.
func Apply(comps []record.Component, t *postcode.Table) {
	workers := runtime.GOMAXPROCS(0)
	const minChunk = 512
	if workers <= 1 || len(comps) < 2*minChunk {
		memo := mentionsMemo{}
		for i := range comps {
			locate(&comps[i], t, memo.of(comps[i].Location))
		}
		return
	}
	chunk := max(minChunk, (len(comps)+workers-1)/workers)
	var wg sync.WaitGroup
	for start := 0; start < len(comps); start += chunk {
		part := comps[start:min(start+chunk, len(comps))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			memo := mentionsMemo{}
			for i := range part {
				locate(&part[i], t, memo.of(part[i].Location))
			}
		}()
	}
	wg.Wait()
}

// isPlaceholderGrid reports the register's stand-in for "no grid reference yet":
// "XX 111 111" on components that are yet to be procured. XX is no OS square.
func isPlaceholderGrid(s string) bool {
	return len(s) >= 2 && strings.EqualFold(s[:2], "XX")
}

func isOffshore(c *record.Component) bool {
	return strings.Contains(strings.ToLower(c.Location), "offshore")
}

// nonASCII names the non-ASCII characters of s ("U+00A0"), "" when there are none.
func nonASCII(s string) string {
	var names []string
	for _, r := range s {
		if r >= utf8.RuneSelf {
			if n := fmt.Sprintf("U+%04X", r); !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return strings.Join(names, ", ")
}
