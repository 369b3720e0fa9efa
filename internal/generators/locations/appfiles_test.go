package locations

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/prebake/prebake/internal/record"
)

func TestAppendPyString(t *testing.T) {
	// Expected values are what Python's json.dumps(s) prints.
	tests := []struct {
		in, want string
	}{
		{"", `""`},
		{"WF11 8DX", `"WF11 8DX"`},
		{"a\nb\tc\r", `"a\nb\tc\r"`},
		{`say "hi" \ bye`, `"say \"hi\" \\ bye"`},
		{"<&>/", `"<&>/"`},
		{"no\u00a0break", `"no\u00a0break"`},
		{"Sch\u00e4fer", `"Sch\u00e4fer"`},
		{"\x01\x1f\x7f", `"\u0001\u001f\u007f"`},
		{"\b\f", `"\b\f"`},
		{"\u2028", `"\u2028"`},
		{"😀", `"\ud83d\ude00"`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
		{"\xe2\x82", `"\ufffd\ufffd"`},
		{"\"edge\\", `"\"edge\\"`},
		{"Unit 1\n\u00a0Luton Road, LU1 1AA\u00e9", `"Unit 1\n\u00a0Luton Road, LU1 1AA\u00e9"`},
	}
	for _, tt := range tests {
		got := string(appendPyString(nil, tt.in))
		if got != tt.want {
			t.Errorf("appendPyString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("appendPyString(%q) = %s is not JSON: %v", tt.in, got, err)
		}
	}
}

func TestSearchPrefix(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"Land at X", "LAN", true},
		{"land", "LAN", true},
		{"DA1", "DA1", true},
		{"S9", "", false},
		{"", "", false},
		{"35 High St", "35 ", true},
		{"é\u00a0x", "É\u00a0X", true},
		{"\"Ar", "\"AR", true},
	}
	for _, tt := range tests {
		got, ok := searchPrefix(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("searchPrefix(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBuildAppFiles(t *testing.T) {
	comps := []record.Component{
		located(1, record.Gas, "Ferrybridge, Knottingley WF11 8DX", "WF11", 53.7, -1.27),
		located(2, record.Gas, "Ferrybridge, Knottingley WF11 8DX", "WF11", 53.7, -1.27),
		located(3, record.Battery, "Kirkhaw Lane\nKnottingley\nWF11 8RD", "wf11", 53.7, -1.26),
		located(4, record.DSR, "WF10", "WF10", 53.72, -1.35),
		located(5, record.Wind, "SE 473 250 offshore", "", 53.7, -1.2),
		{ID: 6, Location: "", Outcode: "WF11"},     // no location text: counted nowhere
		{ID: 7, Location: "NG", Outcode: ""},       // too short to index
		{ID: 8, Location: "wf10 2AB", Outcode: ""}, // unlocated, still counted by text
	}
	f := buildAppFiles(comps)
	wantOutward := map[string][]string{
		"WF10": {"WF10"},
		"WF11": {"Ferrybridge, Knottingley WF11 8DX", "Kirkhaw Lane\nKnottingley\nWF11 8RD"},
	}
	wantCounts := map[string]int{
		"Ferrybridge, Knottingley WF11 8DX":   2,
		"Kirkhaw Lane\nKnottingley\nWF11 8RD": 1,
		"WF10":                                1,
		"SE 473 250 offshore":                 1,
		"NG":                                  1,
		"wf10 2AB":                            1,
	}
	wantSearch := map[string][]string{
		"FER": {"Ferrybridge, Knottingley WF11 8DX"},
		"KIR": {"Kirkhaw Lane\nKnottingley\nWF11 8RD"},
		"WF1": {"WF10", "wf10 2AB"},
		"SE ": {"SE 473 250 offshore"},
	}
	if !reflect.DeepEqual(f.outward, wantOutward) {
		t.Errorf("outward = %q\nwant %q", f.outward, wantOutward)
	}
	if !reflect.DeepEqual(f.counts, wantCounts) {
		t.Errorf("counts = %v\nwant %v", f.counts, wantCounts)
	}
	if !reflect.DeepEqual(f.search, wantSearch) {
		t.Errorf("search = %q\nwant %q", f.search, wantSearch)
	}
	if got, want := string(encodeStringLists(f.outward)), `{"WF10":["WF10"],"WF11":["Ferrybridge, Knottingley WF11 8DX","Kirkhaw Lane\nKnottingley\nWF11 8RD"]}`; got != want {
		t.Errorf("encoded outward = %s\nwant %s", got, want)
	}
	if got, want := string(encodeCounts(map[string]int{"b": 2, "a": 10})), `{"a":10,"b":2}`; got != want {
		t.Errorf("encoded counts = %s, want %s", got, want)
	}
}
