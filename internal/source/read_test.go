package source_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/source"
)

// writeFile writes content to a new file in a test directory and returns its path.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkAccounting requires read = used + duplicate + rejected for every source,
// one Problem per rejected row, and distinct components sorted by ID.
func checkAccounting(t testing.TB, res *source.Result) {
	t.Helper()
	rejected := 0
	for _, s := range res.Sources {
		c := s.Counts
		if c.Read != c.Used+c.Duplicate+c.Rejected {
			t.Errorf("%s: read %d != used %d + duplicate %d + rejected %d", s.Path, c.Read, c.Used, c.Duplicate, c.Rejected)
		}
		by := 0
		for _, n := range c.RejectedBy {
			by += n
		}
		if by != c.Rejected {
			t.Errorf("%s: rejected_by sums to %d, rejected is %d", s.Path, by, c.Rejected)
		}
		rejected += c.Rejected
	}
	if rejected != len(res.Problems) {
		t.Errorf("%d rejected rows but %d problems", rejected, len(res.Problems))
	}
	for i := 1; i < len(res.Components); i++ {
		if res.Components[i-1].ID >= res.Components[i].ID {
			t.Fatalf("components not distinct and sorted at %d: %d then %d", i, res.Components[i-1].ID, res.Components[i].ID)
		}
	}
}

const row1 = `{"_id": 1, "CMU ID": "AAA1", "Component ID": "C1", "Company Name": "Acme", "Delivery Year": 2024, "Generating Technology Class": "DSR", "De-Rated Capacity": "12.5", "Location and Post Code": " Mill Lane, York, YO51 9LS ", "OS Grid Reference": "SE 473 250", "rank": 0.1}`
const row2 = `{"_id": 2, "CMU ID": "AAA1", "Component ID": "C2", "Company Name": "Acme", "Delivery Year": "2025", "Generating Technology Class": null, "De-Rated Capacity": null, "Location and Post Code": "TBC", "OS Grid Reference": null, "rank": 0.2}`

func TestReadDetectsFormats(t *testing.T) {
	cases := []struct {
		name, file, content, format string
		wantFormat, wantKind        string
		wantUsed                    int
	}{
		{"app-cache", "a.json", `{"AAA1": [` + row1 + `, ` + row2 + `], "C1": [` + row1 + `]}`, "", source.FormatAppCache, source.KindComponents, 2},
		{"ckan", "c.json", `{"help": "https://example.invalid/help", "success": true, "result": {"fields": [{"id": "_id"}], "records": [` + row1 + `, ` + row2 + `], "total": 2}}`, "", source.FormatCKAN, source.KindComponents, 2},
		{"ckan success first", "c.json", `{"success": true, "result": {"records": [` + row1 + `], "total": 1}}`, "", source.FormatCKAN, source.KindComponents, 1},
		{"json array", "j.json", "\n  [" + row1 + "," + row2 + "]\n", "", source.FormatJSON, source.KindComponents, 2},
		{"json with BOM", "j.json", "\xef\xbb\xbf[" + row1 + "]", "", source.FormatJSON, source.KindComponents, 1},
		{"ndjson", "n.ndjson", row1 + "\n\n" + row2 + "\n", "", source.FormatNDJSON, source.KindComponents, 2},
		{"ndjson no final newline", "n.ndjson", row1 + "\n" + row2, "", source.FormatNDJSON, source.KindComponents, 2},
		{"csv register names", "r.csv", "_id,CMU ID,Component ID,Delivery Year,De-Rated Capacity,Location and Post Code\n1,AAA1,C1,2024,12.5,\"York, YO51 9LS\"\n2,AAA1,C2,2025,,N/A\n", "", source.FormatCSV, source.KindComponents, 2},
		{"csv snake_case", "s.csv", "location,description,cmu_id,company_name,delivery_year,auction_name,derated_capacity,type,technology,component_id,status\n\"York, YO51 9LS\",Load,F1,FLEX,2022,2022-23 (T-1) One Year Ahead Capacity Auction,,T-1,DSR,19527,\n", "", source.FormatCSV, source.KindComponents, 1},
		{"cmu rows", "cmu.json", `[{"_id": 5, "CMU ID": "AAA1", "Delivery Year": 2024, "Name of Applicant": "Acme", "CM Unit Name": "AAA1", "Parent Company": "Acme Holdings"}]`, "", source.FormatJSON, source.KindCMUs, 1},
		{"cmu rows csv", "cmu.csv", "CMU ID,Delivery Year,Name of Applicant,Parent Company\nAAA1,2024,Acme,Acme Holdings\n", "", source.FormatCSV, source.KindCMUs, 1},
		{"forced cmu", "cmu.json", `[{"_id": 5, "CMU ID": "AAA1", "Delivery Year": 2024}]`, source.FormatCMU, source.FormatCMU, source.KindCMUs, 1},
		{"forced ndjson, a row without identity", "x.json", `{"k": 1}` + "\n", source.FormatNDJSON, source.FormatNDJSON, source.KindComponents, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.file, tc.content)
			res, err := source.Read([]string{p}, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, res)
			if len(res.Sources) != 1 {
				t.Fatalf("got %d sources", len(res.Sources))
			}
			s := res.Sources[0]
			if s.Format != tc.wantFormat || s.Kind != tc.wantKind {
				t.Errorf("format/kind = %s/%s, want %s/%s", s.Format, s.Kind, tc.wantFormat, tc.wantKind)
			}
			if s.Counts.Used != tc.wantUsed {
				t.Errorf("used = %d, want %d (problems %v)", s.Counts.Used, tc.wantUsed, res.Problems)
			}
			if len(s.SHA256) != 64 {
				t.Errorf("sha256 = %q", s.SHA256)
			}
		})
	}
}

func TestReadNormalizesComponent(t *testing.T) {
	p := writeFile(t, "a.json", `{"AAA1": [`+row1+`, `+row2+`]}`)
	res, err := source.Read([]string{p}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Components) != 2 {
		t.Fatalf("got %d components", len(res.Components))
	}
	c1, c2 := res.Components[0], res.Components[1]
	if c1.ID != 1 || c1.ComponentID != "C1" || c1.CMUID != "AAA1" || c1.Company != "Acme" || c1.DeliveryYear != 2024 {
		t.Errorf("c1 = %+v", c1)
	}
	if c1.Category != record.DSR || c2.Category != record.Unknown {
		t.Errorf("categories = %s, %s", c1.Category, c2.Category)
	}
	if c1.DeratedMW == nil || *c1.DeratedMW != 12.5 || c2.DeratedMW != nil {
		t.Errorf("derated = %v, %v", c1.DeratedMW, c2.DeratedMW)
	}
	if c1.Location != "Mill Lane, York, YO51 9LS" || c2.Location != "" {
		t.Errorf("locations = %q, %q", c1.Location, c2.Location)
	}
	if c1.GridRef != "SE 473 250" || c2.GridRef != "" {
		t.Errorf("grid refs = %q, %q", c1.GridRef, c2.GridRef)
	}
	if c2.DeliveryYear != 2025 {
		t.Errorf("string delivery year read as %d", c2.DeliveryYear)
	}
	if c1.SourceFile != p || c1.SourceRow != 1 || c2.SourceRow != 2 {
		t.Errorf("provenance = %s:%d, %d", c1.SourceFile, c1.SourceRow, c2.SourceRow)
	}
	if c1.Postcode != "" || c1.Outcode != "" || c1.Geo.Located {
		t.Errorf("geocode fields filled by the reader: %+v", c1)
	}
	if res.Synthetic {
		t.Error("rows without Synthetic read as synthetic")
	}
}

func TestReadRejectsRows(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	cases := []struct {
		name, file, content string
		wantUsed, wantDup   int
		wantReason          string // "" for no rejection
		wantField           string
		wantRow             int
	}{
		{"delivery year not a number", "a.json", `[{"_id": 1, "CMU ID": "A", "Delivery Year": "abc"}]`, 0, 0, source.ReasonBadValue, "Delivery Year", 1},
		{"delivery year fractional", "a.json", `[{"_id": 1, "CMU ID": "A", "Delivery Year": 2024.5}]`, 0, 0, source.ReasonBadValue, "Delivery Year", 1},
		{"object where text belongs", "a.json", `[` + row1 + `, {"_id": 3, "CMU ID": "A", "Company Name": {"name": "x"}}]`, 1, 0, source.ReasonBadValue, "Company Name", 2},
		{"array where a number belongs", "a.json", `[{"_id": 3, "CMU ID": "A", "De-Rated Capacity": [1]}]`, 0, 0, source.ReasonBadValue, "De-Rated Capacity", 1},
		{"capacity not a number", "a.json", `[{"_id": 3, "CMU ID": "A", "De-Rated Capacity": "lots"}]`, 0, 0, source.ReasonBadValue, "De-Rated Capacity", 1},
		{"capacity N/A is null", "a.json", `[{"_id": 3, "CMU ID": "A", "De-Rated Capacity": "N/A", "Connection / DSR Capacity": ""}]`, 1, 0, "", "", 0},
		{"_id not a number", "a.json", `[{"_id": "abc", "CMU ID": "A"}]`, 0, 0, source.ReasonBadValue, "_id", 1},
		{"_id negative", "a.json", `[{"_id": -4, "CMU ID": "A"}]`, 0, 0, source.ReasonBadValue, "_id", 1},
		{"_id as string", "a.json", `[{"_id": "7", "CMU ID": "A"}]`, 1, 0, "", "", 0},
		{"no identity", "a.json", `[{"Company Name": "Acme", "Delivery Year": 2024}]`, 0, 0, source.ReasonMissingID, "", 1},
		{"empty object", "a.json", `[{}]`, 0, 0, source.ReasonMissingID, "", 1},
		{"not an object", "a.json", `[` + row1 + `, 42, "x", [1]]`, 1, 0, source.ReasonNotARow, "", 2},
		{"bad utf-8 in a value", "a.json", "[{\"_id\": 1, \"CMU ID\": \"A\", \"Location and Post Code\": \"York \xff\xfe\"}]", 0, 0, source.ReasonBadUTF8, "Location and Post Code", 1},
		{"bad utf-8 in a key", "a.json", "[{\"_id\": 1, \"CMU ID\": \"A\", \"Loc\xff\": \"York\"}]", 0, 0, source.ReasonBadUTF8, "", 1},
		{"bad utf-8 in csv", "a.csv", "_id,CMU ID,Company Name\n1,A,Ac\xffme\n", 0, 0, source.ReasonBadUTF8, "Company Name", 1},
		{"1 MB field", "a.json", `[{"_id": 1, "CMU ID": "A", "Description of CMU Components": "` + big + `"}, ` + row2 + `]`, 1, 0, source.ReasonTooLong, "Description of CMU Components", 1},
		{"1 MB field in ndjson", "a.ndjson", `{"_id": 1, "CMU ID": "A", "Description of CMU Components": "` + big + `"}` + "\n" + row2 + "\n", 1, 0, source.ReasonTooLong, "Description of CMU Components", 1},
		{"snake_case row without component_id", "s.csv", "location,cmu_id,component_id,delivery_year\nYork,F1,19527,2022\nLeeds,F2,,2023\n,,,2024\n", 2, 0, source.ReasonMissingID, "", 3},
		{"csv short row", "a.csv", "_id,CMU ID,Company Name\n1,A\n2,B,Acme\n", 1, 0, source.ReasonNotARow, "", 1},
		{"duplicate _id", "a.json", `{"A": [` + row1 + `], "B": [` + row1 + `, ` + row2 + `]}`, 2, 1, "", "", 0},
		{"duplicate by content when _id is absent, rank ignored", "a.json", `[{"CMU ID": "A", "Component ID": "X", "rank": 1}, {"Component ID": "X", "CMU ID": "A", "rank": 2}, {"CMU ID": "A", "Component ID": "Y"}]`, 2, 1, "", "", 0},
		{"cmu row without CMU ID", "c.json", `[{"_id": 1, "Name of Applicant": "Acme", "CM Unit Name": "U"}]`, 0, 0, source.ReasonMissingID, "CMU ID", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.file, tc.content)
			res, err := source.Read([]string{p}, "")
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, res)
			c := res.Sources[0].Counts
			if c.Used != tc.wantUsed || c.Duplicate != tc.wantDup {
				t.Errorf("used/duplicate = %d/%d, want %d/%d (problems %v)", c.Used, c.Duplicate, tc.wantUsed, tc.wantDup, res.Problems)
			}
			if tc.wantReason == "" {
				if len(res.Problems) != 0 {
					t.Errorf("unexpected problems %v", res.Problems)
				}
				return
			}
			if len(res.Problems) == 0 {
				t.Fatalf("no problem reported, want %s", tc.wantReason)
			}
			pr := res.Problems[0]
			if pr.Reason != tc.wantReason || pr.Field != tc.wantField || pr.Row != tc.wantRow || pr.File != p || pr.Detail == "" {
				t.Errorf("problem = %+v, want reason %s field %q row %d", pr, tc.wantReason, tc.wantField, tc.wantRow)
			}
			if c.RejectedBy[tc.wantReason] == 0 {
				t.Errorf("rejected_by = %v, want %s", c.RejectedBy, tc.wantReason)
			}
		})
	}
}

func TestReadRejectsFiles(t *testing.T) {
	cases := []struct {
		name, file, content, format string
		want                        []string // substrings of the error
		wantRecord                  int
	}{
		{"empty", "e.json", "", "", []string{"e.json", "empty file"}, 0},
		{"only whitespace", "e.json", " \n\t\n", "", []string{"empty file"}, 0},
		{"not JSON or CSV", "x.json", "hello world\n", "", []string{"not a recognised format", "hello world"}, 0},
		{"binary", "x.bin", "\x00\x01\x02\x03", "", []string{"not a recognised format"}, 0},
		{"truncated array", "t.json", `[` + row1 + `, {"_id": 2, "CMU`, "", []string{"t.json", "truncated", "record 2"}, 2},
		{"truncated app-cache", "t.json", `{"AAA1": [` + row1 + `], "B": [` + row1, "", []string{"truncated", `field "B"`}, 2},
		{"truncated between keys", "t.json", `{"AAA1": [` + row1 + `],`, "", []string{"t.json", "byte"}, 1},
		{"syntax error", "t.json", `[` + row1 + `, {"_id": 2,, }]`, "", []string{"t.json", "byte", "record 2", "invalid character"}, 2},
		{"trailing data", "t.json", `[` + row1 + `] [1]`, "", []string{"trailing data"}, 1},
		{"empty array", "t.json", `[]`, "", []string{"no rows"}, 0},
		{"app-cache value not an array", "t.json", `{"AAA1": {"_id": 1}}`, source.FormatAppCache, []string{`field "AAA1"`, "want an array"}, 0},
		{"forced json on an object", "t.json", `{"AAA1": []}`, source.FormatJSON, []string{"want a JSON array"}, 0},
		{"ckan without records", "c.json", `{"help": "x", "success": true, "result": {"total": 0}}`, "", []string{"result.records"}, 0},
		{"ckan failure", "c.json", `{"help": "x", "success": false, "error": {"message": "nope"}}`, "", []string{"success=false"}, 0},
		{"ndjson bad line", "n.ndjson", row1 + "\n{\"_id\": 2,\n", "", []string{"line 2", "record 2"}, 2},
		{"ndjson truncated", "n.ndjson", row1 + "\n" + row2[:40], "", []string{"line 2", "truncated"}, 2},
		{"csv header lacks columns", "h.csv", "a,b,c\n1,2,3\n", "", []string{"h.csv", "header lacks", "a, b, c"}, 0},
		{"csv header only", "h.csv", "_id,CMU ID\n", "", []string{"no rows"}, 0},
		{"csv duplicate column", "h.csv", "_id,CMU ID,_id\n1,A,2\n", "", []string{"twice"}, 0},
		{"csv unbalanced quote", "q.csv", "_id,CMU ID,Company Name\n1,A,\"Acme\n", "", []string{"q.csv", "line", "quote"}, 1},
		{"cmu csv without CMU ID", "c.csv", "Name of Applicant,CM Unit Name\nAcme,U\n", "", []string{"CMU ID"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.file, tc.content)
			res, err := source.Read([]string{p}, tc.format)
			if err == nil {
				t.Fatalf("no error; read %+v", res.Sources)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			var fe *source.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error is %T, want *source.FileError", err)
			}
			if fe.File != p || fe.Record != tc.wantRecord {
				t.Errorf("FileError file %s record %d, want %s record %d", fe.File, fe.Record, p, tc.wantRecord)
			}
		})
	}
}

func TestReadPatterns(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.json", "a.json"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(`[`+row1+`]`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := source.Read([]string{filepath.Join(dir, "*.json"), filepath.Join(dir, "a.json")}, "")
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, res)
	if len(res.Sources) != 2 || filepath.Base(res.Sources[0].Path) != "a.json" || filepath.Base(res.Sources[1].Path) != "b.json" {
		t.Fatalf("sources = %+v", res.Sources)
	}
	if res.Sources[1].Counts.Duplicate != 1 || len(res.Components) != 1 || res.Components[0].SourceFile != res.Sources[0].Path {
		t.Errorf("the second file's row should be a duplicate of the first's: %+v", res.Sources)
	}
	for _, bad := range [][]string{{filepath.Join(dir, "*.csv")}, {filepath.Join(dir, "missing.json")}, nil} {
		if _, err := source.Read(bad, ""); err == nil {
			t.Errorf("Read(%v) did not fail", bad)
		}
	}
	if _, err := source.Read([]string{filepath.Join(dir, "a.json")}, "xml"); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("unknown format error = %v", err)
	}
}

func TestReadSyntheticFlag(t *testing.T) {
	syn := `{"_id": 9, "CMU ID": "S", "Synthetic": true}`
	cases := []struct {
		name, content string
		want          bool
	}{
		{"all synthetic", `[` + syn + `]`, true},
		{"one real row", `[` + syn + `, ` + row1 + `]`, false},
		{"none", `[` + row1 + `]`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := source.Read([]string{writeFile(t, "s.json", tc.content)}, "")
			if err != nil {
				t.Fatal(err)
			}
			if res.Synthetic != tc.want {
				t.Errorf("Synthetic = %v, want %v", res.Synthetic, tc.want)
			}
		})
	}
}

func TestJoinCMUs(t *testing.T) {
	cmus := []record.CMU{
		{ID: 1, CMUID: "A", DeliveryYear: 2020, ParentCompany: "P2020", UnitType: "T", UnitCategory: "Cat", TransmissionDistribution: "Distribution"},
		{ID: 2, CMUID: "A", DeliveryYear: 2024, ParentCompany: "P2024"},
		{ID: 4, CMUID: "A", DeliveryYear: 2026, ParentCompany: "P2026b"},
		{ID: 3, CMUID: "A", DeliveryYear: 2026, ParentCompany: "P2026a"},
	}
	cases := []struct {
		name       string
		comp       record.Component
		wantParent string
	}{
		{"exact year", record.Component{CMUID: "A", DeliveryYear: 2024}, "P2024"},
		{"nearest year before", record.Component{CMUID: "A", DeliveryYear: 2021}, "P2020"},
		{"tie goes to the later year", record.Component{CMUID: "A", DeliveryYear: 2022}, "P2024"},
		{"nearest year after", record.Component{CMUID: "A", DeliveryYear: 2030}, "P2026a"},
		{"same year, lowest _id", record.Component{CMUID: "A", DeliveryYear: 2026}, "P2026a"},
		{"no CMU row", record.Component{CMUID: "B", DeliveryYear: 2024, ParentCompany: "kept"}, "kept"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			comps := []record.Component{tc.comp}
			source.JoinCMUs(comps, cmus)
			if comps[0].ParentCompany != tc.wantParent {
				t.Errorf("parent = %q, want %q", comps[0].ParentCompany, tc.wantParent)
			}
		})
	}
	comps := []record.Component{{CMUID: "A", DeliveryYear: 2020}}
	source.JoinCMUs(comps, cmus)
	if c := comps[0]; c.UnitType != "T" || c.UnitCategory != "Cat" || c.TransmissionDistribution != "Distribution" {
		t.Errorf("joined fields = %+v", c)
	}
}
