package source_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/source"
)

// readOne reads a single file and checks the accounting.
func readOne(t *testing.T, name, content string) *source.Result {
	t.Helper()
	res, err := source.Read([]string{writeFile(t, name, content)}, "")
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, res)
	return res
}

// fileError reads content and requires a *FileError.
func fileError(t *testing.T, name, content string) *source.FileError {
	t.Helper()
	_, err := source.Read([]string{writeFile(t, name, content)}, "")
	var fe *source.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v, want a *source.FileError", err)
	}
	return fe
}

// TestReadNumbers: a comma is a thousands separator only between groups of
// three digits; every other form is bad_value, never a different number.
func TestReadNumbers(t *testing.T) {
	cases := []struct {
		in   string // the De-Rated Capacity text
		want float64
		bad  bool
	}{
		{"12.5", 12.5, false},
		{" 7 ", 7, false},
		{"1,234.5", 1234.5, false},
		{"99,999.25", 99999.25, false},
		{"-1,234", -1234, false},
		{"+1,000", 1000, false},
		{"1e3", 1000, false},
		{".5", 0.5, false},
		{"100000", 100000, false},
		{"0,5", 0, true},       // a decimal comma: not 5
		{"1.234,5", 0, true},   // European grouping: not 1.2345
		{"1,23", 0, true},      // a group of two
		{"12,34,567", 0, true}, // Indian grouping
		{"1,234,567", 0, true}, // well formed, but beyond MaxCapacityMW
		{"1234,567", 0, true},  // a leading group of four
		{",5", 0, true},
		{"1,,234", 0, true},
		{"1,234,", 0, true},
		{"1 234", 0, true},
		{"0x1p3", 0, true}, // strconv would read 8
		{"1_000", 0, true}, // strconv would read 1000 in Go syntax
		{"Inf", 0, true},
		{"1e309", 0, true}, // overflows to +Inf
		{"1e308", 0, true}, // beyond MaxCapacityMW: overflowed every total
		{"100000.5", 0, true},
		{"-2e5", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			res := readOne(t, "n.json", fmt.Sprintf(`[{"_id": 1, "CMU ID": "A", "De-Rated Capacity": %q}]`, tc.in))
			if tc.bad {
				if len(res.Problems) != 1 || res.Problems[0].Reason != source.ReasonBadValue || res.Problems[0].Field != "De-Rated Capacity" {
					t.Fatalf("problems %+v, components %d; want one bad_value on De-Rated Capacity", res.Problems, len(res.Components))
				}
				return
			}
			if len(res.Components) != 1 || res.Components[0].DeratedMW == nil || *res.Components[0].DeratedMW != tc.want {
				t.Fatalf("read %+v (problems %v), want %v", res.Components, res.Problems, tc.want)
			}
		})
	}
	// A JSON number beyond the bound names the input row and field.
	res := readOne(t, "big.json", `[{"_id": 1, "CMU ID": "A", "De-Rated Capacity": 1e308}, {"_id": 2, "CMU ID": "A", "Connection / DSR Capacity": 1e308}]`)
	if len(res.Problems) != 2 || res.Problems[1].Row != 2 || res.Problems[1].Field != "Connection / DSR Capacity" {
		t.Errorf("problems %+v", res.Problems)
	}
}

// TestReadIDsExact: ids are read as integers, exactly; anything that would be
// rounded or merged is bad_value.
func TestReadIDsExact(t *testing.T) {
	cases := []struct {
		id   string // the _id as written in JSON
		want int64
	}{
		{`1`, 1},
		{`"7"`, 7},
		{`"007"`, 7},
		{`9007199254740991`, 9007199254740991}, // 2^53-1, Number.MAX_SAFE_INTEGER
		{`"9007199254740991"`, 9007199254740991},
		{`9007199254740992`, 0}, // 2^53: a browser cannot tell it from 2^53+1
		{`9007199254740993`, 0},
		{`18446744073709551616`, 0}, // beyond uint64
		{`1e3`, 0},
		{`"1e3"`, 0},
		{`"1,000"`, 0},
		{`1000.0`, 0},
		{`-4`, 0},
		{`0`, 0},
		{`"12a"`, 0},
		{`true`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			res := readOne(t, "i.json", `[{"_id": `+tc.id+`, "CMU ID": "A"}]`)
			if tc.want == 0 {
				if len(res.Problems) != 1 || res.Problems[0].Reason != source.ReasonBadValue || res.Problems[0].Field != "_id" {
					t.Fatalf("problems %+v components %+v, want bad_value on _id", res.Problems, res.Components)
				}
				return
			}
			if len(res.Components) != 1 || res.Components[0].ID != tc.want {
				t.Fatalf("components %+v problems %v, want id %d", res.Components, res.Problems, tc.want)
			}
		})
	}
	// Two ids that float64 would merge into one are two rejections, not a
	// duplicate; the same for the CMU rows and the snake_case export's key.
	res := readOne(t, "m.json", `[{"_id": 9007199254740993, "CMU ID": "A"}, {"_id": 9007199254740994, "CMU ID": "B"}]`)
	if c := res.Sources[0].Counts; c.Duplicate != 0 || c.Rejected != 2 {
		t.Errorf("counts %+v, want 2 rejected and no duplicate", c)
	}
	res = readOne(t, "c.json", `[{"_id": "1e3", "CMU ID": "A", "Name of Applicant": "Acme"}]`)
	if len(res.Problems) != 1 || res.Problems[0].Field != "_id" {
		t.Errorf("CMU row problems %+v", res.Problems)
	}
	res = readOne(t, "s.csv", "location,cmu_id,component_id,delivery_year\nYork,F1,\"1,000\",2022\nLeeds,F2,1000,2022\n")
	if len(res.Problems) != 1 || res.Problems[0].Field != "component_id" || len(res.Components) != 1 || res.Components[0].ID != 1000 {
		t.Errorf("snake_case problems %+v components %+v", res.Problems, res.Components)
	}
}

// TestReadContentIDsSafe: rows without _id get ids a browser reads exactly:
// within -2^52..-1, distinct for distinct content.
func TestReadContentIDsSafe(t *testing.T) {
	var rows []string
	for i := range 2000 {
		rows = append(rows, fmt.Sprintf(`{"CMU ID": "C%d", "Component ID": "X%d"}`, i%97, i))
	}
	res := readOne(t, "n.json", "["+strings.Join(rows, ",")+"]")
	if len(res.Components) != 2000 {
		t.Fatalf("%d components, want 2000", len(res.Components))
	}
	for _, c := range res.Components {
		if c.ID >= 0 || c.ID < -(1<<52) {
			t.Fatalf("content id %d outside -2^52..-1", c.ID)
		}
	}
	// The same content under different key order and a different rank is one row.
	res = readOne(t, "d.json", `[{"CMU ID": "A", "Component ID": "X", "rank": 1}, {"rank": 2, "Component ID": "X", "CMU ID": "A"}]`)
	if len(res.Components) != 1 || res.Sources[0].Counts.Duplicate != 1 {
		t.Errorf("components %d duplicates %d, want 1 and 1", len(res.Components), res.Sources[0].Counts.Duplicate)
	}
}

// TestReadEmptyYield: a source that holds no rows is a file error, not one
// phantom rejected row.
func TestReadEmptyYield(t *testing.T) {
	for _, content := range []string{"{}", " {}\n", "\xef\xbb\xbf{}", "{ }\r\n", `{"AAA1": []}`, `[]`, `{"fields": [{"id": "_id"}], "records": []}`} {
		t.Run(content, func(t *testing.T) {
			fe := fileError(t, "e.json", content)
			if !strings.Contains(fe.Error(), "no rows") {
				t.Errorf("error %q does not say there are no rows", fe)
			}
		})
	}
	// An empty object followed by rows is NDJSON whose first row is empty.
	res := readOne(t, "n.ndjson", "{}\n"+row1+"\n")
	if c := res.Sources[0].Counts; c.Read != 2 || c.Used != 1 || res.Problems[0].Reason != source.ReasonMissingID {
		t.Errorf("counts %+v problems %+v", c, res.Problems)
	}
}

// TestReadUnicodeNFC: one company spelt in NFC and NFD is one company, in NFC.
func TestReadUnicodeNFC(t *testing.T) {
	nfc, nfd := "Soci\u00e9t\u00e9 \u00c9nergie", "Socie\u0301te\u0301 E\u0301nergie"
	res := readOne(t, "u.json", fmt.Sprintf(`[{"_id": 1, "CMU ID": "A", "Company Name": %q}, {"_id": 2, "CMU ID": "A", "Company Name": "%s"}, {"_id": 3, "CMU ID": "A", "Company Name": "Socie\u0301te\u0301 E\u0301nergie"}]`, nfc, nfd))
	for _, c := range res.Components {
		if c.Company != nfc {
			t.Errorf("id %d company %q (% x), want the NFC %q", c.ID, c.Company, c.Company, nfc)
		}
	}
	res = readOne(t, "u.csv", "_id,CMU ID,Company Name\n1,A,"+nfd+"\n")
	if res.Components[0].Company != nfc {
		t.Errorf("csv company %q, want %q", res.Components[0].Company, nfc)
	}
	// Without _id, the two spellings are one content: one row and a duplicate.
	res = readOne(t, "d.json", fmt.Sprintf(`[{"CMU ID": "A", "Company Name": %q}, {"CMU ID": "A", "Company Name": %q}]`, nfc, nfd))
	if len(res.Components) != 1 {
		t.Errorf("%d components from one company spelt twice", len(res.Components))
	}
}

// TestReadCROnlyLines: classic Mac line endings read as lines, in CSV and NDJSON.
func TestReadCROnlyLines(t *testing.T) {
	res := readOne(t, "r.csv", "_id,CMU ID,Company Name\r1,A,Acme\r2,B,\"Two\rlines\"\r\r3,C,Gamma\r")
	if len(res.Components) != 3 || res.Components[2].Company != "Gamma" || res.Components[1].Company != "Two\nlines" {
		t.Errorf("components %+v problems %v", res.Components, res.Problems)
	}
	res = readOne(t, "r.ndjson", row1+"\r"+row2+"\r")
	if len(res.Components) != 2 {
		t.Errorf("ndjson: %d components", len(res.Components))
	}
	// CRLF is unchanged: the CR inside a quoted field stays.
	res = readOne(t, "w.csv", "_id,CMU ID,Company Name\r\n1,A,\"a\rb\"\r\n")
	if res.Components[0].Company != "a\rb" {
		t.Errorf("CRLF file: company %q", res.Components[0].Company)
	}
	// A fault on line 3 of a CR-only file is reported on line 3.
	fe := fileError(t, "bad.ndjson", row1+"\r"+row2+"\r{\"_id\": 3,, }\r")
	if fe.Line != 3 || fe.Column != 11 {
		t.Errorf("line %d column %d, want 3 and 11 (%v)", fe.Line, fe.Column, fe)
	}
}

// TestReadFieldLengthDecoded: the limit counts the bytes of the value as read,
// not the escapes that wrote it.
func TestReadFieldLengthDecoded(t *testing.T) {
	row := func(desc string) string {
		return `[{"_id": 1, "CMU ID": "A", "Description of CMU Components": "` + desc + `"}]`
	}
	e := `\u00e9` // 6 bytes written, 2 bytes read
	cases := []struct {
		name, desc string
		tooLong    bool
	}{
		{"escaped, exactly the limit", strings.Repeat(e, source.MaxFieldBytes/2), false},
		{"escaped, one byte over", strings.Repeat(e, source.MaxFieldBytes/2) + "x", true},
		{"plain, exactly the limit", strings.Repeat("x", source.MaxFieldBytes), false},
		{"plain, one byte over", strings.Repeat("x", source.MaxFieldBytes+1), true},
		{"escaped newlines, half the written size", strings.Repeat(`\n`, source.MaxFieldBytes), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := readOne(t, "l.json", row(tc.desc))
			if got := len(res.Problems) == 1 && res.Problems[0].Reason == source.ReasonTooLong; got != tc.tooLong {
				t.Errorf("too_long = %v, want %v (problems %v)", got, tc.tooLong, res.Problems)
			}
		})
	}
}

// TestReadLoneSurrogate: a \u escape of half a surrogate pair is bad_utf8,
// not silently U+FFFD.
func TestReadLoneSurrogate(t *testing.T) {
	cases := []struct {
		value string
		bad   bool
	}{
		{`Acme \ud800`, true},
		{`Acme \udc00 x`, true},
		{`\ud83d\ude00 smile`, false},
		{`\\ud800 is text`, false}, // an escaped backslash, then letters
		{`\ud83d\u0041`, true},
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			res := readOne(t, "s.json", `[{"_id": 1, "CMU ID": "A", "Company Name": "`+tc.value+`"}]`)
			if got := len(res.Problems) == 1 && res.Problems[0].Reason == source.ReasonBadUTF8; got != tc.bad {
				t.Errorf("bad_utf8 = %v, want %v (%+v)", got, tc.bad, res.Components)
			}
		})
	}
}

// TestReadPathWithGlobCharacters: an existing file is read as named.
func TestReadPathWithGlobCharacters(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"register [2024].json", "a*b?.json", "x[1].json"} {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte(`[`+row1+`]`), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := source.Read([]string{p}, "")
		if err != nil || len(res.Components) != 1 || res.Sources[0].Path != p {
			t.Errorf("%s: %v", n, err)
		}
	}
	// A pattern still globs, and a missing path with '[' is still an error.
	res, err := source.Read([]string{filepath.Join(dir, "*.json")}, "")
	if err != nil || len(res.Sources) != 3 {
		t.Errorf("glob: %v", err)
	}
	if _, err := source.Read([]string{filepath.Join(dir, "y[1].json")}, ""); err == nil {
		t.Error("a missing path read without error")
	}
}

// TestFileErrorExactPosition: a JSON syntax error deep in a file names the
// exact byte, line and column of the fault, in every JSON layout.
func TestFileErrorExactPosition(t *testing.T) {
	var long strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&long, `{"_id": %d, "CMU ID": "A", "Company Name": "some company name to make the line long"},`+"\n", i+1)
	}
	body := long.String()
	cases := []struct {
		name, content, fault string
	}{
		{"array", "[" + body + `{"_id": 9,, "x": 1}]`, ",,"},
		{"array, fault in a string", "[" + body + "{\"_id\": 9, \"x\": \"a\x01b\"}]", "\x01"},
		{"array with BOM and CRLF", "\xef\xbb\xbf[" + strings.ReplaceAll(body, "\n", "\r\n") + `{"_id": 9, "x" 1}]`, " 1}"},
		{"app-cache", `{"K": [` + body + `{"_id": 9, "x": tru}]}`, "}]}"},
		{"app-cache, fault between rows", `{"K": [` + body + `{"_id": 9} x]}`, "x]"},
		{"ckan", `{"success": true, "result": {"records": [` + body + `{"_id": 9, "x": [1 2]}]}}`, "2]"},
		{"ndjson", strings.ReplaceAll(body, "},\n", "}\n") + `  {"_id": 9, "x": +1}` + "\n", "+1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fe := fileError(t, "f.json", tc.content)
			at := strings.LastIndex(tc.content, tc.fault)
			if tc.fault == " 1}" || tc.fault == ",," {
				at++ // the fault is the second byte
			}
			before := tc.content[:at]
			line := strings.Count(before, "\n") + 1
			col := at - strings.LastIndex(before, "\n") // bytes since the line start, from 1
			if fe.Offset != int64(at) || fe.Line != line || fe.Column != col {
				t.Errorf("byte %d line %d column %d, want byte %d line %d column %d (%v)", fe.Offset, fe.Line, fe.Column, at, line, col, fe)
			}
			if !strings.Contains(fe.Error(), fmt.Sprintf("line %d column %d", line, col)) {
				t.Errorf("message %q lacks the position", fe)
			}
		})
	}
}

// TestReadSyntheticPerSource: the synthetic flag follows each input.
func TestReadSyntheticPerSource(t *testing.T) {
	syn := writeFile(t, "syn.json", `[{"_id": 9, "CMU ID": "S", "Synthetic": true}]`)
	real := writeFile(t, "real.json", `[`+row1+`]`)
	res, err := source.Read([]string{syn, real}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Sources[0].Synthetic || res.Sources[1].Synthetic || res.Synthetic {
		t.Errorf("synthetic flags: sources %v %v, result %v; want true false false", res.Sources[0].Synthetic, res.Sources[1].Synthetic, res.Synthetic)
	}
}

// TestReadRepeatedKey: a row naming a field twice is rejected on that field,
// not read with whichever value a map keeps.
func TestReadRepeatedKey(t *testing.T) {
	cases := []struct {
		row, field string
	}{
		{`{"_id": 1, "CMU ID": "A", "_id": 2}`, "_id"},
		{`{"_id": 1, "De-Rated Capacity": 5, "CMU ID": "A", "De-Rated Capacity" : 7}`, "De-Rated Capacity"},
		{`{"_id": 1, "CMU ID": "A", "x": {"k": 1, "k": 2}}`, ""}, // nested: not a column, read as it is
		{`{"_id": 1, "CMU ID": "A:\"B\\\"", "Company Name": "x\":"}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.row, func(t *testing.T) {
			res := readOne(t, "r.json", "["+tc.row+"]")
			if tc.field == "" {
				if len(res.Problems) != 0 || len(res.Components) != 1 {
					t.Errorf("problems %+v", res.Problems)
				}
				return
			}
			if len(res.Problems) != 1 || res.Problems[0].Field != tc.field || res.Problems[0].Reason != source.ReasonBadValue {
				t.Errorf("problems %+v, want bad_value on %q", res.Problems, tc.field)
			}
		})
	}
}
