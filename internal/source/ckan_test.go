package source_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/source"
)

// ckanRow is register row i as a CKAN record object.
func ckanRow(i int) string {
	return fmt.Sprintf(`{"_id": %d, "CMU ID": "C%d", "Component ID": "X%d", "Company Name": "Co %d", "De-Rated Capacity": "%d.5"}`, i, i, i, i, i)
}

// ckanPageJSON is a datastore_search response holding rows from..to-1 of total.
func ckanPageJSON(from, to, total, limit int, withNext bool) string {
	var recs []string
	for i := from; i < to; i++ {
		recs = append(recs, ckanRow(i))
	}
	links := `"start": "/api/3/action/datastore_search?resource_id=r1"`
	if withNext {
		links += fmt.Sprintf(`, "next": "/api/3/action/datastore_search?offset=%d&resource_id=r1"`, to-1)
	}
	totalJSON := ""
	if total >= 0 {
		totalJSON = fmt.Sprintf(`, "total": %d`, total)
	}
	return fmt.Sprintf(`{"help": "https://example.invalid/help", "success": true, "result": {"include_total": true, "limit": %d, "offset": %d, "records_format": "objects", "resource_id": "r1", "records": [%s], "fields": [{"id": "_id", "type": "int"}], "_links": {%s}%s}}`,
		limit, from-1, strings.Join(recs, ", "), links, totalJSON)
}

// TestReadCKANPaging: a first page is never baked as the whole register; every
// page given as a file is read and must add up to the total.
func TestReadCKANPaging(t *testing.T) {
	cases := []struct {
		name  string
		pages []string
		want  int      // components read; 0: an error
		errs  []string // substrings of the error
	}{
		{"first page of 27078", []string{ckanPageJSON(1, 4, 27078, 3, true)}, 0, []string{"3 records in 1 file", "total 27078", "_links.next", "offset=3"}},
		{"whole resource on one page", []string{ckanPageJSON(1, 4, 3, 100, true)}, 3, nil},
		{"every page given", []string{ckanPageJSON(1, 4, 5, 3, true), ckanPageJSON(4, 6, 5, 3, true)}, 5, nil},
		{"pages given out of order", []string{ckanPageJSON(4, 6, 5, 3, true), ckanPageJSON(1, 4, 5, 3, true)}, 5, nil},
		{"a middle page missing", []string{ckanPageJSON(1, 4, 8, 3, true), ckanPageJSON(7, 9, 8, 3, true)}, 0, []string{"5 records in 2 file", "total 8"}},
		{"a page given twice", []string{ckanPageJSON(1, 4, 5, 3, true), ckanPageJSON(4, 6, 5, 3, true), ckanPageJSON(4, 6, 5, 3, true)}, 0, []string{"more than the total 5"}},
		{"totals disagree", []string{ckanPageJSON(1, 4, 5, 3, true), ckanPageJSON(4, 6, 6, 3, true)}, 0, []string{"differs"}},
		{"no total, last page short", []string{ckanPageJSON(1, 4, -1, 3, true), ckanPageJSON(4, 6, -1, 3, true)}, 5, nil},
		{"no total, every page full", []string{ckanPageJSON(1, 4, -1, 3, true)}, 0, []string{"no total"}},
		{"estimated total", []string{strings.Replace(ckanPageJSON(1, 4, 3, 100, false), `"total": 3`, `"total": 3, "total_was_estimated": true`, 1)}, 0, []string{"estimate"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			for i, p := range tc.pages {
				paths = append(paths, writeFile(t, fmt.Sprintf("page%d.json", i), p))
			}
			res, err := source.Read(paths, "")
			if tc.want == 0 {
				if err == nil {
					t.Fatalf("no error; read %d components", len(res.Components))
				}
				for _, w := range tc.errs {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, res)
			if len(res.Components) != tc.want {
				t.Errorf("%d components, want %d", len(res.Components), tc.want)
			}
		})
	}
}

// TestReadCKANLayouts: records_format=lists (fields before or after the
// records) and the datastore/dump JSON layout read the same rows as objects.
func TestReadCKANLayouts(t *testing.T) {
	fields := `[{"id": "_id", "type": "int"}, {"id": "CMU ID", "type": "text"}, {"id": "Company Name", "type": "text"}, {"id": "De-Rated Capacity", "type": "numeric"}]`
	records := `[[1, "AAA1", "Acme", "12.5"], [2, "BBB2", "Beta", null]]`
	cases := []struct{ name, content string }{
		{"lists, fields after records", `{"help": "h", "success": true, "result": {"records_format": "lists", "records": ` + records + `, "fields": ` + fields + `, "total": 2, "limit": 100}}`},
		{"lists, fields first", `{"success": true, "result": {"fields": ` + fields + `, "records_format": "lists", "records": ` + records + `, "total": 2}}`},
		{"dump", `{"fields": ` + fields + `, "records": ` + records + `}`},
		{"dump, records first", `{"records": ` + records + `, "fields": ` + fields + `}`},
		{"objects", `{"success": true, "result": {"records": [{"_id": 1, "CMU ID": "AAA1", "Company Name": "Acme", "De-Rated Capacity": "12.5"}, {"_id": 2, "CMU ID": "BBB2", "Company Name": "Beta", "De-Rated Capacity": null}], "total": 2}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := readOne(t, "c.json", tc.content)
			if res.Sources[0].Format != source.FormatCKAN || len(res.Components) != 2 {
				t.Fatalf("format %s, %d components (problems %v)", res.Sources[0].Format, len(res.Components), res.Problems)
			}
			a, b := res.Components[0], res.Components[1]
			if a.ID != 1 || a.CMUID != "AAA1" || a.Company != "Acme" || a.DeratedMW == nil || *a.DeratedMW != 12.5 || b.ID != 2 || b.Company != "Beta" || b.DeratedMW != nil {
				t.Errorf("read %+v and %+v", a, b)
			}
		})
	}
	// A list of the wrong length is one rejected row, named.
	res := readOne(t, "w.json", `{"fields": `+fields+`, "records": [[1, "AAA1", "Acme", "1"], [2, "B"]]}`)
	if len(res.Problems) != 1 || res.Problems[0].Row != 2 || res.Problems[0].Reason != source.ReasonNotARow {
		t.Errorf("problems %+v", res.Problems)
	}
	// What cannot be read fails clearly.
	for name, content := range map[string]string{
		"lists without fields": `{"success": true, "result": {"records_format": "lists", "records": ` + records + `, "total": 2}}`,
		"csv records":          `{"success": true, "result": {"records_format": "csv", "records": "1,AAA1\n", "total": 1}}`,
		"repeated field":       `{"fields": [{"id": "_id"}, {"id": "_id"}], "records": [[1, 2]]}`,
	} {
		t.Run(name, func(t *testing.T) {
			fe := fileError(t, "x.json", content)
			if fe.Field == "" {
				t.Errorf("error %v names no field", fe)
			}
		})
	}
}
