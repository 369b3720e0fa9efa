package source

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/prebake/prebake/internal/sample"
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

// TestReadWholeMatchesDecoder reads a synthetic register (app-cache files, a
// CMU rows array, deliberate rejects among them) through readWhole and through
// the streaming json.Decoder path: every component, CMU, rejection, conflict
// and source count must be the same.
func TestReadWholeMatchesDecoder(t *testing.T) {
	dir := t.TempDir()
	if _, err := sample.Write(dir, sample.Options{Components: 2000}); err != nil {
		t.Fatal(err)
	}
	glob := []string{filepath.Join(dir, "synthetic_*.json")}
	whole, err := Read(glob, "")
	if err != nil {
		t.Fatal(err)
	}
	defer func(v int64) { wholeMax = v }(wholeMax)
	wholeMax = -1 // every file through the Decoder
	streamed, err := Read(glob, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Components) < 1000 || len(whole.Problems) == 0 {
		t.Fatalf("the sample read as %d components, %d problems", len(whole.Components), len(whole.Problems))
	}
	if !reflect.DeepEqual(whole, streamed) {
		t.Fatalf("readWhole and the Decoder differ: %d/%d components, %d/%d CMUs, %d/%d problems, sources %+v / %+v",
			len(whole.Components), len(streamed.Components), len(whole.CMUs), len(streamed.CMUs),
			len(whole.Problems), len(streamed.Problems), whole.Sources, streamed.Sources)
	}
}
