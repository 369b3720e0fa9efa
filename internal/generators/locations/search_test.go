package locations

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"reflect"
	"testing"

	"github.com/prebake/prebake/internal/record"
)

func int32s(t *testing.T, s string) []int {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b)%4 != 0 {
		t.Fatalf("not an Int32Column: %v (%d bytes)", err, len(b))
	}
	out := make([]int, len(b)/4)
	for i := range out {
		out[i] = int(int32(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return out
}

// TestSearchFile: SearchAsset's rows follow the app's group id order (newest
// delivery year first, then text), keys are in jsonb order (shorter first),
// the primary technology and company pick the first of equals in that order,
// the descriptions' jsonb text escapes as PostgreSQL does, and big companies
// are those at more than 7 groups, located or not.
func TestSearchFile(t *testing.T) {
	var comps []record.Component
	add := func(id int64, loc, company, tech string, year int, desc string, located bool) {
		c := record.Component{ID: id, CMUID: "CMU" + itoa(id), Company: company, TechClass: tech, DeliveryYear: year,
			AuctionName: "2025-26 (T-4) Four Year Ahead Capacity Auction", LocationText: loc, Location: loc, Description: desc}
		if located {
			c.Geo = record.Geocode{Lat: 51.5 + float64(id)/1000, Lng: -0.1, Located: true}
		}
		comps = append(comps, c)
	}
	add(1, "B site", "Zeta Ltd", "Storage (Duration 2h)", 2024, "a \"quoted\"\nline é\x01", true)
	add(2, "B site", "Ab Ltd", "DSR", 2020, "", true)
	add(3, "A site", "Big Co", "DSR", 2024, "x", true)
	add(4, "C site", "Big Co", "Hydro", 2028, "y", true)
	for i := int64(0); i < 8; i++ { // Big Co at 8 groups in all, one of them unlocated
		add(10+i, "Big "+itoa(i), "Big Co", "DSR", 2019, "", i != 0)
	}
	dir, _, _ := bake(t, &record.Dataset{Components: comps}, Options{})
	raw := decode[map[string]any](t, SearchAsset, asset(t, dir, SearchAsset))
	if raw["scheme"] != SearchScheme || int(raw["count"].(float64)) != 10 {
		t.Fatalf("scheme %v, count %v", raw["scheme"], raw["count"])
	}
	var strs []string
	for _, s := range raw["strings"].([]any) {
		strs = append(strs, s.(string))
	}
	col := func(name string) []int { return int32s(t, raw[name].(string)) }
	texts := func(name string) []string {
		var out []string
		for _, i := range col(name) {
			out = append(out, strs[i])
		}
		return out
	}
	titles := texts("title")
	want := []string{"C site", "A site", "B site", "Big 1", "Big 2", "Big 3", "Big 4", "Big 5", "Big 6", "Big 7"}
	if !reflect.DeepEqual(titles, want) {
		t.Errorf("row order %q, want %q (newest year first, then text)", titles, want)
	}
	b := 2 // "B site": two companies of one component each, two classes
	off, keys := col("company_off"), col("company_key")
	var cos []string
	for _, k := range keys[off[b]:off[b+1]] {
		cos = append(cos, strs[k])
	}
	if !reflect.DeepEqual(cos, []string{"Ab Ltd", "Zeta Ltd"}) || texts("primary_company")[b] != "Ab Ltd" {
		t.Errorf("companies %q, primary %q: want jsonb order (shorter first) and its first of equals", cos, texts("primary_company")[b])
	}
	toff, tkeys := col("tech_off"), col("tech_key")
	var techs []string
	for _, k := range tkeys[toff[b]:toff[b+1]] {
		techs = append(techs, strs[k])
	}
	if !reflect.DeepEqual(techs, []string{"DSR", "Storage (Duration 2h)"}) || texts("primary_tech")[b] != "DSR" {
		t.Errorf("technologies %q, primary %q", techs, texts("primary_tech")[b])
	}
	if got := texts("descriptions_text")[b]; got != `["a \"quoted\"\nline é\u0001"]` {
		t.Errorf("descriptions_text %q", got)
	}
	if got := texts("descriptions_text")[3]; got != "[]" {
		t.Errorf("no descriptions: %q, want []", got)
	}
	if got := col("big_companies"); len(got) != 1 || strs[got[0]] != "Big Co" {
		t.Errorf("big companies %v", got)
	}
	if got := col("component_count")[b]; got != 2 {
		t.Errorf("count %d", got)
	}
	lats, _ := base64.StdEncoding.DecodeString(raw["lat"].(string))
	if lat := math.Float64frombits(binary.LittleEndian.Uint64(lats[8*b:])); lat != round6(51.501) {
		t.Errorf("lat %v: want the first located member's, rounded to 6 decimals", lat)
	}
}

// TestJSONBText holds jsonbText to PostgreSQL's text of a jsonb array, on
// texts written whole (ASCII, other UTF-8) and texts escaped character by
// character (quotes, backslashes, control characters, an invalid byte, which
// a jsonb value cannot hold and is written as U+FFFD).
func TestJSONBText(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string
	}{
		{nil, `[]`},
		{[]string{"Unit 1"}, `["Unit 1"]`},
		{[]string{"a", "Café €5", "日本"}, `["a", "Café €5", "日本"]`},
		{[]string{`say "hi"`, `C:\dir`}, `["say \"hi\"", "C:\\dir"]`},
		{[]string{"tab\there\nnew\r\b\f\x01\x1f"}, `["tab\there\nnew\r\b\f\u0001\u001f"]`},
		{[]string{"bad\xffbyte", "ok"}, "[\"bad\uFFFDbyte\", \"ok\"]"},
		{[]string{"del\x7f"}, "[\"del\x7f\"]"},
	} {
		if got := jsonbText(tt.in); got != tt.want {
			t.Errorf("jsonbText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
