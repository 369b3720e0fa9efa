package changes

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func f64(v float64) *float64 { return &v }

func base() Component {
	return Component{ID: 1, ComponentID: "C1", CMUID: "CMU1", Company: "Acme Ltd", Technology: "Battery", Category: "Battery",
		DeliveryYear: 2025, AuctionName: "2025-26 (T-4)", AuctionType: "T-4", DeratedMW: f64(10), ConnectionMW: f64(20),
		Location: "Site, Leeds LS11 5DJ", Postcode: "LS11 5DJ", Outcode: "LS11",
		Located: true, Lat: 53.78, Lng: -1.56, GeoSource: "postcode", GeoPrecision: "postcode_unit"}
}

// TestCompareCases: one edit at a time on a one-component register, and the
// changelog lists exactly it.
func TestCompareCases(t *testing.T) {
	type want struct {
		added, removed, changed, moved int
		fields                         []string // changed fields, in order
		reason                         string   // of the move
		cmuFields                      []string
		cmusAdded, cmusRemoved         int
	}
	cases := []struct {
		name string
		edit func(o, n *[]Component)
		want want
	}{
		{"nothing", func(o, n *[]Component) {}, want{}},
		{"added", func(o, n *[]Component) {
			c := base()
			c.ID, c.CMUID = 2, "CMU2"
			*n = append(*n, c)
		}, want{added: 1, cmusAdded: 1}},
		{"removed", func(o, n *[]Component) { *n = nil }, want{removed: 1, cmusRemoved: 1}},
		{"re-rated", func(o, n *[]Component) { (*n)[0].DeratedMW = f64(12.5) },
			want{changed: 1, fields: []string{"derated_capacity_mw"}, cmuFields: []string{"derated_capacity_mw"}}},
		{"capacity nulled", func(o, n *[]Component) { (*n)[0].ConnectionMW = nil },
			want{changed: 1, fields: []string{"connection_capacity_mw"}}},
		{"company renamed", func(o, n *[]Component) { (*n)[0].Company = "Acme Power Ltd" },
			want{changed: 1, fields: []string{"company_name"}, cmuFields: []string{"company_name"}}},
		{"year and auction", func(o, n *[]Component) { (*n)[0].DeliveryYear, (*n)[0].AuctionName = 0, "2026-27 (T-4)" },
			want{changed: 1, fields: []string{"delivery_year", "auction_name"}, cmuFields: []string{"delivery_year", "auction_name"}}},
		{"technology", func(o, n *[]Component) { (*n)[0].Technology, (*n)[0].Category = "Gas", "Gas" },
			want{changed: 1, fields: []string{"technology", "category"}, cmuFields: []string{"technology"}}},
		{"new postcode", func(o, n *[]Component) {
			c := &(*n)[0]
			c.Location, c.Postcode, c.Outcode, c.Lat, c.Lng = "Site, Sheffield S13 9LT", "S13 9LT", "S13", 53.37, -1.38
		}, want{changed: 1, moved: 1, fields: []string{"location", "postcode", "outcode"}, reason: "postcode"}},
		{"new grid reference", func(o, n *[]Component) {
			for _, s := range []*[]Component{o, n} {
				c := &(*s)[0]
				c.Location, c.Postcode, c.Outcode, c.GridRef, c.GeoSource, c.GeoPrecision = "Field", "", "", "SE 473 250", "os_grid_ref", "100m"
			}
			c := &(*n)[0]
			c.GridRef, c.Lat = "SE 473 260", 53.79
		}, want{changed: 1, moved: 1, fields: []string{"os_grid_ref"}, reason: "grid_reference"}},
		{"geocoding rule", func(o, n *[]Component) { (*n)[0].Lat, (*n)[0].GeoPrecision = 53.7801, "postcode_sector" },
			want{moved: 1, reason: "geocoding_rule"}},
		{"unlocated", func(o, n *[]Component) { (*n)[0].Located = false },
			want{moved: 1, reason: "geocoding_rule"}},
		{"grid reference added beside a postcode", func(o, n *[]Component) {
			c := &(*n)[0]
			c.GridRef, c.GeoSource, c.GeoPrecision, c.Lat = "SE 300 300", "os_grid_ref", "100m", 53.8
		}, want{changed: 1, moved: 1, fields: []string{"os_grid_ref"}, reason: "grid_reference"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, n := []Component{base()}, []Component{base()}
			tc.edit(&o, &n)
			c := Compare(&Snapshot{BuildID: "old", Components: o}, &Snapshot{BuildID: "new", Components: n})
			s := c.Summary
			got := want{added: s.Added, removed: s.Removed, changed: s.Changed, moved: s.Moved, cmusAdded: s.CMUsAdded, cmusRemoved: s.CMUsRemoved}
			if len(c.Components.Changed) == 1 {
				for _, f := range c.Components.Changed[0].Fields {
					got.fields = append(got.fields, f.Field)
				}
			}
			if len(c.Components.Moved) == 1 {
				got.reason = c.Components.Moved[0].Reason
			}
			if len(c.CMUs.Changed) == 1 {
				for _, f := range c.CMUs.Changed[0].Fields {
					got.cmuFields = append(got.cmuFields, f.Field)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			touched := tc.want.added + tc.want.removed
			if tc.want.changed+tc.want.moved > 0 {
				touched++
			}
			if s.Touched != touched || c.Empty() != (touched == 0) {
				t.Errorf("touched %d (empty %v), want %d", s.Touched, c.Empty(), touched)
			}
			if *c.OldBuildID != "old" || c.NewBuildID != "new" || c.AgainstNothing {
				t.Errorf("build ids %q %q, against nothing %v", *c.OldBuildID, c.NewBuildID, c.AgainstNothing)
			}
		})
	}
}

// TestCompareValuesAndRollups checks the values a change carries and how the
// rollups count a rename (under both companies) and capacity.
func TestCompareValuesAndRollups(t *testing.T) {
	a, b := base(), base()
	b.Company, b.DeratedMW = "Acme Power Ltd", f64(15)
	gone := base()
	gone.ID, gone.CMUID, gone.Company, gone.DeratedMW, gone.Outcode = 5, "CMU5", "Gone Ltd", f64(3), "S13"
	c := Compare(&Snapshot{BuildID: "o", Components: []Component{a, gone}}, &Snapshot{BuildID: "n", Components: []Component{b}})
	ch := c.Components.Changed[0]
	want := []FieldChange{{"company_name", "Acme Ltd", "Acme Power Ltd"}, {"derated_capacity_mw", 10.0, 15.0}}
	if !reflect.DeepEqual(ch.Fields, want) {
		t.Errorf("fields %+v, want %+v", ch.Fields, want)
	}
	if c.RegionKind != RegionPostcode || ch.Region != "LS" || c.Components.Removed[0].Region != "S" {
		t.Errorf("regions: kind %s, changed %s, removed %s", c.RegionKind, ch.Region, c.Components.Removed[0].Region)
	}
	byKey := func(kind string) map[string]Roll {
		m := map[string]Roll{}
		for _, r := range c.Rollups[kind] {
			m[r.Key] = r
		}
		return m
	}
	comp := byKey("company")
	if comp["Acme Ltd"] != (Roll{Key: "Acme Ltd", Changed: 1, DeratedMWNet: -10}) ||
		comp["Acme Power Ltd"] != (Roll{Key: "Acme Power Ltd", Changed: 1, DeratedMWNet: 15}) ||
		comp["Gone Ltd"] != (Roll{Key: "Gone Ltd", Removed: 1, DeratedMWNet: -3}) {
		t.Errorf("company rollup %+v", c.Rollups["company"])
	}
	if cat := byKey("category")["Battery"]; cat != (Roll{Key: "Battery", Removed: 1, Changed: 1, DeratedMWNet: 2}) {
		t.Errorf("category rollup %+v", cat)
	}
	if y := byKey("delivery_year")["2025"]; y.Changed != 1 || y.Removed != 1 {
		t.Errorf("year rollup %+v", y)
	}
	if c.Summary.TouchedFraction != 1 {
		t.Errorf("touched fraction %v, want 1 (2 of 2)", c.Summary.TouchedFraction)
	}
	// Deterministic bytes, and a text report naming every change.
	j1, _ := c.Marshal()
	j2, _ := Compare(&Snapshot{BuildID: "o", Components: []Component{a, gone}}, &Snapshot{BuildID: "n", Components: []Component{b}}).Marshal()
	if string(j1) != string(j2) {
		t.Error("two equal comparisons marshal differently")
	}
	var round Changelog
	if err := json.Unmarshal(j1, &round); err != nil || round.Format != Format {
		t.Errorf("changelog JSON does not read back: %v", err)
	}
	var text strings.Builder
	if err := c.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"build o -> n", "- component 5 ", `~ component 1 `, `company_name "Acme Ltd" -> "Acme Power Ltd"`, "- CMU CMU5", "by company:"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, text.String())
		}
	}
}

// TestMovesSortedByDistance: the largest mover first, unlocated last.
func TestMovesSortedByDistance(t *testing.T) {
	var o, n []Component
	for i, dLat := range []float64{0.001, 0.1, 0, 0.01} {
		c := base()
		c.ID, c.CMUID = int64(i+1), "X"
		o = append(o, c)
		c.Lat += dLat
		if dLat == 0 {
			c.Located = false
		}
		n = append(n, c)
	}
	c := Compare(&Snapshot{Components: o}, &Snapshot{Components: n})
	var ids []int64
	for _, m := range c.Components.Moved {
		ids = append(ids, m.ID)
	}
	if !reflect.DeepEqual(ids, []int64{2, 4, 1, 3}) {
		t.Errorf("moves in order %v, want [2 4 1 3]", ids)
	}
	if m := c.Components.Moved[0]; m.DistanceM == nil || *m.DistanceM < 11000 || *m.DistanceM > 11200 {
		t.Errorf("0.1 degree of latitude: %v m", m.DistanceM)
	}
	if m := c.Components.Moved[3]; m.DistanceM != nil || m.New != nil || m.Old == nil {
		t.Errorf("unlocated move %+v", m)
	}
}

func TestPostcodeArea(t *testing.T) {
	for in, want := range map[string]string{"LS11": "LS", "E1W": "E", "W1A": "W", "": NoRegion, "9X": NoRegion, "BT1": "BT"} {
		if got := PostcodeArea(in); got != want {
			t.Errorf("PostcodeArea(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRegionsDNO(t *testing.T) {
	fc := `{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"Area":"North"},"geometry":{"type":"Polygon","coordinates":[[[-3,54],[0,54],[0,56],[-3,56],[-3,54]]]}},
	 {"type":"Feature","properties":{"Name":"South"},"geometry":{"type":"MultiPolygon","coordinates":[[[[-3,50],[0,50],[0,54],[-3,54],[-3,50]]]]}}]}`
	r, err := NewRegions([]byte(fc))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c    Component
		want string
	}{
		{Component{Located: true, Lat: 55, Lng: -1}, "North"},
		{Component{Located: true, Lat: 51, Lng: -1}, "South"},
		{Component{Located: true, Lat: 51, Lng: 2}, OutsideAreas},
		{Component{Outcode: "LS11"}, NoRegion},
	} {
		if got := regionOf(&tc.c, r); got != tc.want {
			t.Errorf("regionOf(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
	if _, err := NewRegions([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}}]}`)); err == nil || !strings.Contains(err.Error(), "feature 0") {
		t.Errorf("a nameless feature: %v", err)
	}
}
