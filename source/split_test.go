package source

import (
	"encoding/json"
	"testing"
)

// TestSplitObjectMatchesUnmarshal: splitObject, the hand-written member
// splitter, gives the names and raw values json.Unmarshal gives into a
// map[string]json.RawMessage, and names the first repeated member.
func TestSplitObjectMatchesUnmarshal(t *testing.T) {
	cases := []struct {
		raw    string
		repeat string
	}{
		{`{}`, ""},
		{` { } `[1:], ""},
		{`{"_id": 1, "CMU ID": "CMU1", "De-Rated Capacity": "1.5", "x": null, "y": true, "z": false}`, ""},
		{"{\n\t\"a\" :\r\n -1.5e+3 ,\"b\":[1,{\"c\":\"}]\"}],\"d\":{\"e\":[]} }", ""},
		{`{"quote \" in name": "va\"lue", "back\\slash": "\\", "uni\u00e9": "\ud83d\ude00"}`, ""},
		{`{"é": "ü", "日本": "語"}`, ""},
		{"{\"bad\xff\": 1, \"ok\": \"\xfe\"}", ""},
		{`{"a": 1, "b": 2, "a": 3}`, "a"},
		{`{"a": 1, "\u0061": 2}`, "a"},
		{`{"b": {"a": 1, "a": 2}}`, ""}, // nested repeats are a value's business
		{`{"s": "comma, brace } bracket ] colon :"}`, ""},
	}
	for _, tc := range cases {
		if !json.Valid([]byte(tc.raw)) {
			t.Fatalf("case %q is not valid JSON", tc.raw)
		}
		row, repeat := splitObject([]byte(tc.raw))
		if repeat != tc.repeat {
			t.Errorf("%q: repeated %q, want %q", tc.raw, repeat, tc.repeat)
			continue
		}
		if repeat != "" {
			continue
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal([]byte(tc.raw), &want); err != nil {
			t.Fatal(err)
		}
		if len(row.fields) != len(want) {
			t.Errorf("%q: %d members, json.Unmarshal %d", tc.raw, len(row.fields), len(want))
		}
		for k, v := range want {
			got, ok := row.fields[k]
			if !ok || string(got.raw) != string(v) || got.kind != jsonCell(v).kind {
				t.Errorf("%q: member %q = %q (kind %d), json.Unmarshal %q", tc.raw, k, got.raw, got.kind, v)
			}
		}
	}
}
