// Package changes is the record-level changelog between two bakes: which
// components and CMUs were added, removed and changed (field by field), which
// moved (with the geodesic distance and why), rolled up by category, company,
// delivery year and region. `prebake diff --data` prints it, every bake writes
// it as the asset changes/latest.json (against the manifest it replaces), and
// `prebake publish --max-changes` refuses a bake that changes too much.
//
// A bake is read through its own cmu/components.arrow table (Load): one row
// per component with every compared field and its position, an Arrow IPC file
// read record batch by record batch, so memory follows the register (a few
// strings per component), not the size of the output. docs/changes.md gives
// the format of changes/latest.json.
package changes

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Format names the layout of a Changelog ("format" in changes/latest.json).
const Format = "prebake-changes/1"

// Component is one row of a bake's cmu/components table, the fields the
// changelog compares. Empty strings stand for nulls.
type Component struct {
	ID           int64 // the register's _id
	ComponentID  string
	CMUID        string
	Company      string
	Technology   string // raw technology class
	Category     string
	DeliveryYear int64 // 0 when unknown
	AuctionName  string
	AuctionType  string
	DeratedMW    *float64
	ConnectionMW *float64
	Location     string // the location text
	Postcode     string
	Outcode      string
	GridRef      string
	Located      bool
	Lat, Lng     float64 // WGS84 degrees when Located
	GeoSource    string  // "os_grid_ref" or "postcode" when Located
	GeoPrecision string
}

// Snapshot is one bake's components, sorted by ID.
type Snapshot struct {
	BuildID    string
	Components []Component
	// Regions names the region of a position; nil: postcode areas only.
	Regions *Regions
}

// Changelog is changes/latest.json and what `prebake diff --data --json` prints.
type Changelog struct {
	Format     string  `json:"format"`
	OldBuildID *string `json:"old_build_id"` // null when against nothing (the first bake)
	NewBuildID string  `json:"new_build_id"`
	// AgainstNothing marks the first bake's changelog: there was no earlier
	// manifest to compare with, so it lists nothing (not every component as added).
	AgainstNothing bool   `json:"against_nothing"`
	Note           string `json:"note,omitempty"` // why it is against nothing
	RegionKind     string `json:"region_kind"`    // "dno_licence_area" or "postcode_area"

	Summary    Summary           `json:"summary"`
	Components ComponentChanges  `json:"components"`
	CMUs       CMUChanges        `json:"cmus"`
	Rollups    map[string][]Roll `json:"rollups"` // "category", "company", "delivery_year", "region"
}

// Summary counts the changes.
type Summary struct {
	OldComponents int `json:"old_components"`
	NewComponents int `json:"new_components"`
	Added         int `json:"added"`
	Removed       int `json:"removed"`
	Changed       int `json:"changed"` // components with at least one field changed
	Moved         int `json:"moved"`   // components whose position changed (located, unlocated or moved)
	// Touched counts components added, removed, changed or moved (each once);
	// TouchedFraction is Touched over OldComponents (1 when the old bake had
	// none and anything is touched): what publish --max-changes limits.
	Touched         int     `json:"touched"`
	TouchedFraction float64 `json:"touched_fraction"`
	CMUsAdded       int     `json:"cmus_added"`
	CMUsRemoved     int     `json:"cmus_removed"`
	CMUsChanged     int     `json:"cmus_changed"`
}

// ComponentChanges lists changed components, each list sorted by register id
// (Moved: by distance, largest first, then id).
type ComponentChanges struct {
	Added   []Entry `json:"added"`
	Removed []Entry `json:"removed"`
	Changed []Entry `json:"changed"`
	Moved   []Move  `json:"moved"`
}

// Entry is one component added, removed or changed: its register id, what
// identifies it to a reader (values of the new bake; the old for a removed
// one), and for a changed one each field that differs.
type Entry struct {
	ID           int64         `json:"id"`
	ComponentID  string        `json:"component_id"`
	CMUID        string        `json:"cmu_id"`
	Company      string        `json:"company_name"`
	Category     string        `json:"category"`
	DeliveryYear *int64        `json:"delivery_year"`
	DeratedMW    *float64      `json:"derated_capacity_mw"`
	Position     *Position     `json:"position"` // null when not located
	Region       string        `json:"region"`
	Fields       []FieldChange `json:"fields,omitempty"`
}

// FieldChange is one field's old and new value (JSON null for a null).
type FieldChange struct {
	Field string `json:"field"` // a column name of cmu/components
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// Position is a WGS84 point in degrees.
type Position struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Move is a component whose position changed: moved (both located), located
// (Old null) or unlocated (New null).
type Move struct {
	ID          int64     `json:"id"`
	ComponentID string    `json:"component_id"`
	CMUID       string    `json:"cmu_id"`
	Company     string    `json:"company_name"`
	Old         *Position `json:"old"`
	New         *Position `json:"new"`
	DistanceM   *float64  `json:"distance_m"` // geodesic on WGS84 (Distance), rounded to 0.1 m; null unless both located
	// Reason: "grid_reference" (the OS grid reference changed), "postcode"
	// (the postcode or outcode found in the location text changed), or
	// "geocoding_rule" (same inputs, a different result: the geocoder's rules
	// or the postcode table changed).
	Reason    string `json:"reason"`
	OldGeo    string `json:"old_geocode"` // "<source>:<precision>", "" when unlocated
	NewGeo    string `json:"new_geocode"`
	OldRegion string `json:"old_region"`
	NewRegion string `json:"new_region"`
}

// CMUChanges lists CMUs added, removed and changed, sorted by CMU ID.
type CMUChanges struct {
	Added   []CMUEntry `json:"added"`
	Removed []CMUEntry `json:"removed"`
	Changed []CMUEntry `json:"changed"`
}

// CMUEntry is one CMU, summarised from its components (a CMU is the
// components sharing a CMU ID): for a changed one, each summary field that
// differs.
type CMUEntry struct {
	CMUID      string        `json:"cmu_id"`
	Company    string        `json:"company_name"` // distinct names joined by " | "
	Components int           `json:"components"`
	Fields     []FieldChange `json:"fields,omitempty"`
}

// Roll is one key of a rollup: how many components were added, removed,
// changed and moved under it, and the change of de-rated capacity in MW.
// A changed or moved component counts under its new key; when the key itself
// changed (a company renamed), it counts under both.
type Roll struct {
	Key          string  `json:"key"`
	Added        int     `json:"added"`
	Removed      int     `json:"removed"`
	Changed      int     `json:"changed"`
	Moved        int     `json:"moved"`
	DeratedMWNet float64 `json:"derated_mw_net"` // new minus old, rounded to 0.001 MW
}

// AgainstNothing is the changelog of a bake with nothing to compare with (the
// first bake; note says why): it lists nothing, not every component as added.
func AgainstNothing(newBuildID, note string, regions *Regions) *Changelog {
	c := newChangelog(regions)
	c.NewBuildID, c.AgainstNothing, c.Note = newBuildID, true, note
	return c
}

func newChangelog(regions *Regions) *Changelog {
	c := &Changelog{Format: Format, RegionKind: regions.Kind(),
		Components: ComponentChanges{Added: []Entry{}, Removed: []Entry{}, Changed: []Entry{}, Moved: []Move{}},
		CMUs:       CMUChanges{Added: []CMUEntry{}, Removed: []CMUEntry{}, Changed: []CMUEntry{}},
		Rollups:    map[string][]Roll{},
	}
	for _, k := range RollupKeys {
		c.Rollups[k] = []Roll{}
	}
	return c
}

// RollupKeys are the rollups, in the order the text report prints them.
var RollupKeys = []string{"category", "company", "delivery_year", "region"}

// Compare is the changelog from old to new. Regions come from new, else old.
// Components are matched by register id; both snapshots must be sorted by ID
// (Load sorts them).
func Compare(old, nw *Snapshot) *Changelog {
	regions := nw.Regions
	if regions == nil {
		regions = old.Regions
	}
	c := newChangelog(regions)
	ob := old.BuildID
	c.OldBuildID, c.NewBuildID = &ob, nw.BuildID
	c.Summary.OldComponents, c.Summary.NewComponents = len(old.Components), len(nw.Components)
	rolls := newRollups()
	touched := 0
	a, b := old.Components, nw.Components
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i].ID < b[j].ID):
			e := entry(&a[i], regions)
			c.Components.Removed = append(c.Components.Removed, e)
			rolls.add(&a[i], e.Region, func(r *Roll) { r.Removed++; r.DeratedMWNet -= mw(a[i].DeratedMW) })
			touched++
			i++
		case i == len(a) || b[j].ID < a[i].ID:
			e := entry(&b[j], regions)
			c.Components.Added = append(c.Components.Added, e)
			rolls.add(&b[j], e.Region, func(r *Roll) { r.Added++; r.DeratedMWNet += mw(b[j].DeratedMW) })
			touched++
			j++
		default:
			o, n := &a[i], &b[j]
			fields := diffFields(o, n)
			mv, moved := move(o, n, regions)
			if len(fields) > 0 || moved {
				touched++
				e := entry(n, regions)
				oldRegion := regionOf(o, regions)
				if len(fields) > 0 {
					e.Fields = fields
					c.Components.Changed = append(c.Components.Changed, e)
				}
				if moved {
					c.Components.Moved = append(c.Components.Moved, mv)
				}
				delta := mw(n.DeratedMW) - mw(o.DeratedMW)
				update := func(r *Roll) {
					if len(fields) > 0 {
						r.Changed++
					}
					if moved {
						r.Moved++
					}
				}
				rolls.addPair(o, n, oldRegion, e.Region, update, delta)
			}
			i++
			j++
		}
	}
	slices.SortStableFunc(c.Components.Moved, func(x, y Move) int {
		dx, dy := -1.0, -1.0
		if x.DistanceM != nil {
			dx = *x.DistanceM
		}
		if y.DistanceM != nil {
			dy = *y.DistanceM
		}
		if dx != dy {
			return cmp.Compare(dy, dx)
		}
		return cmp.Compare(x.ID, y.ID)
	})
	c.CMUs = compareCMUs(a, b)
	s := &c.Summary
	s.Added, s.Removed = len(c.Components.Added), len(c.Components.Removed)
	s.Changed, s.Moved, s.Touched = len(c.Components.Changed), len(c.Components.Moved), touched
	switch {
	case len(a) > 0:
		s.TouchedFraction = float64(touched) / float64(len(a))
	case touched > 0:
		s.TouchedFraction = 1
	}
	s.CMUsAdded, s.CMUsRemoved, s.CMUsChanged = len(c.CMUs.Added), len(c.CMUs.Removed), len(c.CMUs.Changed)
	c.Rollups = rolls.lists()
	return c
}

func mw(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func yearPtr(y int64) *int64 {
	if y == 0 {
		return nil
	}
	return &y
}

func entry(c *Component, regions *Regions) Entry {
	e := Entry{ID: c.ID, ComponentID: c.ComponentID, CMUID: c.CMUID, Company: c.Company, Category: c.Category,
		DeliveryYear: yearPtr(c.DeliveryYear), DeratedMW: c.DeratedMW, Region: regionOf(c, regions)}
	if c.Located {
		e.Position = &Position{c.Lat, c.Lng}
	}
	return e
}

// str is a text field's JSON value: null when empty (the table's null).
func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func num(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// ComparedFields are the columns of cmu/components a changed component is
// compared on, in the order its field changes are listed. Positions are
// compared apart (Move); the geocoder's outputs (geocode source, precision)
// are reported with a move, not as a change.
var ComparedFields = []string{"component_id", "cmu_id", "company_name", "technology", "category",
	"delivery_year", "auction_name", "auction_type", "derated_capacity_mw", "connection_capacity_mw",
	"location", "postcode", "outcode", "os_grid_ref"}

func diffFields(o, n *Component) []FieldChange {
	var out []FieldChange
	text := func(name, a, b string) {
		if a != b {
			out = append(out, FieldChange{name, str(a), str(b)})
		}
	}
	text("component_id", o.ComponentID, n.ComponentID)
	text("cmu_id", o.CMUID, n.CMUID)
	text("company_name", o.Company, n.Company)
	text("technology", o.Technology, n.Technology)
	text("category", o.Category, n.Category)
	if o.DeliveryYear != n.DeliveryYear {
		var a, b any
		if o.DeliveryYear != 0 {
			a = o.DeliveryYear
		}
		if n.DeliveryYear != 0 {
			b = n.DeliveryYear
		}
		out = append(out, FieldChange{"delivery_year", a, b})
	}
	text("auction_name", o.AuctionName, n.AuctionName)
	text("auction_type", o.AuctionType, n.AuctionType)
	float := func(name string, a, b *float64) {
		if (a == nil) != (b == nil) || (a != nil && *a != *b) {
			out = append(out, FieldChange{name, num(a), num(b)})
		}
	}
	float("derated_capacity_mw", o.DeratedMW, n.DeratedMW)
	float("connection_capacity_mw", o.ConnectionMW, n.ConnectionMW)
	text("location", o.Location, n.Location)
	text("postcode", o.Postcode, n.Postcode)
	text("outcode", o.Outcode, n.Outcode)
	text("os_grid_ref", o.GridRef, n.GridRef)
	return out
}

func geo(c *Component) string {
	if !c.Located {
		return ""
	}
	return c.GeoSource + ":" + c.GeoPrecision
}

// move reports whether c's position changed, and how.
func move(o, n *Component, regions *Regions) (Move, bool) {
	if o.Located == n.Located && (!o.Located || (o.Lat == n.Lat && o.Lng == n.Lng)) {
		return Move{}, false
	}
	m := Move{ID: n.ID, ComponentID: n.ComponentID, CMUID: n.CMUID, Company: n.Company,
		OldGeo: geo(o), NewGeo: geo(n), OldRegion: regionOf(o, regions), NewRegion: regionOf(n, regions)}
	if o.Located {
		m.Old = &Position{o.Lat, o.Lng}
	}
	if n.Located {
		m.New = &Position{n.Lat, n.Lng}
	}
	if o.Located && n.Located {
		d := math.Round(Distance(o.Lat, o.Lng, n.Lat, n.Lng)*10) / 10
		m.DistanceM = &d
	}
	gridChanged := o.GridRef != n.GridRef
	postcodeChanged := o.Postcode != n.Postcode || o.Outcode != n.Outcode
	usesGrid := o.GeoSource == "os_grid_ref" || n.GeoSource == "os_grid_ref"
	switch {
	case gridChanged && (usesGrid || !postcodeChanged):
		m.Reason = "grid_reference"
	case postcodeChanged:
		m.Reason = "postcode"
	default:
		m.Reason = "geocoding_rule"
	}
	return m, true
}

// cmuSummary is a CMU as its components describe it.
type cmuSummary struct {
	companies, technologies, years, auctions map[string]bool
	components                               int
	derated                                  float64
}

func summarize(comps []Component) map[string]*cmuSummary {
	out := map[string]*cmuSummary{}
	for i := range comps {
		c := &comps[i]
		if c.CMUID == "" {
			continue
		}
		s := out[c.CMUID]
		if s == nil {
			s = &cmuSummary{companies: map[string]bool{}, technologies: map[string]bool{}, years: map[string]bool{}, auctions: map[string]bool{}}
			out[c.CMUID] = s
		}
		s.companies[c.Company] = true
		s.technologies[c.Technology] = true
		if c.DeliveryYear != 0 {
			s.years[strconv.FormatInt(c.DeliveryYear, 10)] = true
		}
		s.auctions[c.AuctionName] = true
		s.components++
		s.derated += mw(c.DeratedMW)
	}
	return out
}

// joined is a set's members, sorted and joined by " | " (the empty string,
// a null, left out).
func joined(set map[string]bool) string {
	var xs []string
	for k := range set {
		if k != "" {
			xs = append(xs, k)
		}
	}
	slices.Sort(xs)
	return strings.Join(xs, " | ")
}

func compareCMUs(a, b []Component) CMUChanges {
	out := CMUChanges{Added: []CMUEntry{}, Removed: []CMUEntry{}, Changed: []CMUEntry{}}
	sa, sb := summarize(a), summarize(b)
	ids := map[string]bool{}
	for k := range sa {
		ids[k] = true
	}
	for k := range sb {
		ids[k] = true
	}
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, id := range keys {
		o, n := sa[id], sb[id]
		switch {
		case o == nil:
			out.Added = append(out.Added, CMUEntry{CMUID: id, Company: joined(n.companies), Components: n.components})
		case n == nil:
			out.Removed = append(out.Removed, CMUEntry{CMUID: id, Company: joined(o.companies), Components: o.components})
		default:
			var fields []FieldChange
			text := func(name, x, y string) {
				if x != y {
					fields = append(fields, FieldChange{name, str(x), str(y)})
				}
			}
			text("company_name", joined(o.companies), joined(n.companies))
			text("technology", joined(o.technologies), joined(n.technologies))
			text("delivery_year", joined(o.years), joined(n.years))
			text("auction_name", joined(o.auctions), joined(n.auctions))
			if o.components != n.components {
				fields = append(fields, FieldChange{"components", o.components, n.components})
			}
			od, nd := round3(o.derated), round3(n.derated)
			if od != nd {
				fields = append(fields, FieldChange{"derated_capacity_mw", od, nd})
			}
			if len(fields) > 0 {
				out.Changed = append(out.Changed, CMUEntry{CMUID: id, Company: joined(n.companies), Components: n.components, Fields: fields})
			}
		}
	}
	return out
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// rollups accumulates the four rollups.
type rollups map[string]map[string]*Roll

func newRollups() rollups {
	r := rollups{}
	for _, k := range RollupKeys {
		r[k] = map[string]*Roll{}
	}
	return r
}

func keysOf(c *Component, region string) [4]string {
	year := "none"
	if c.DeliveryYear != 0 {
		year = strconv.FormatInt(c.DeliveryYear, 10)
	}
	return [4]string{c.Category, c.Company, year, region}
}

func (r rollups) roll(kind, key string) *Roll {
	x := r[kind][key]
	if x == nil {
		x = &Roll{Key: key}
		r[kind][key] = x
	}
	return x
}

func (r rollups) add(c *Component, region string, f func(*Roll)) {
	for i, k := range keysOf(c, region) {
		f(r.roll(RollupKeys[i], k))
	}
}

// addPair counts a changed or moved component under its new keys, and under
// an old key that differs too; the capacity moves from the old key to the new.
func (r rollups) addPair(o, n *Component, oldRegion, newRegion string, f func(*Roll), delta float64) {
	ok, nk := keysOf(o, oldRegion), keysOf(n, newRegion)
	for i := range RollupKeys {
		nr := r.roll(RollupKeys[i], nk[i])
		f(nr)
		if ok[i] != nk[i] {
			or := r.roll(RollupKeys[i], ok[i])
			f(or)
			or.DeratedMWNet -= mw(o.DeratedMW)
			nr.DeratedMWNet += mw(n.DeratedMW)
		} else {
			nr.DeratedMWNet += delta
		}
	}
}

// lists sorts each rollup by how many components it touches, most first, then key.
func (r rollups) lists() map[string][]Roll {
	out := map[string][]Roll{}
	for _, kind := range RollupKeys {
		list := []Roll{}
		for _, x := range r[kind] {
			x.DeratedMWNet = round3(x.DeratedMWNet)
			if x.DeratedMWNet == 0 {
				x.DeratedMWNet = 0 // no -0 in the JSON
			}
			list = append(list, *x)
		}
		slices.SortFunc(list, func(x, y Roll) int {
			tx, ty := x.Added+x.Removed+x.Changed+x.Moved, y.Added+y.Removed+y.Changed+y.Moved
			if tx != ty {
				return cmp.Compare(ty, tx)
			}
			return cmp.Compare(x.Key, y.Key)
		})
		out[kind] = list
	}
	return out
}
