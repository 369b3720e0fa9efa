package source_test

import (
	"reflect"
	"testing"

	"github.com/prebake/prebake/internal/source"
)

// TestConflicts: a repeated _id whose fields differ is listed with the row kept
// (the first read) and each differing field; an identical repeat, or one that
// differs only in the app's "rank", is not.
func TestConflicts(t *testing.T) {
	p := writeFile(t, "c.json", `{"K1": [
 {"_id": 7, "CMU ID": "A", "Company Name": "Alpha Ltd", "Delivery Year": 2024, "rank": 1, "Location and Post Code": "X"},
 {"_id": 8, "CMU ID": "B", "Company Name": "Beta", "Delivery Year": 2024}],
 "K2": [
 {"_id": 7, "CMU ID": "A", "Company Name": "ALPHA LIMITED", "Delivery Year": 2024, "rank": 9, "Location and Post Code": "X "},
 {"_id": 8, "CMU ID": "B", "Company Name": "Beta", "Delivery Year": 2024, "rank": 5}]}`)
	res, err := source.Read([]string{p}, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []source.Conflict{{ID: 7, KeptFile: p, KeptRow: 1, File: p, Row: 3,
		Fields:     []string{"Company Name", "Location and Post Code"},
		KeptValues: []string{"Alpha Ltd", "X"}, Values: []string{"ALPHA LIMITED", "X "}}}
	if !reflect.DeepEqual(res.Conflicts, want) {
		t.Errorf("conflicts = %+v\nwant %+v", res.Conflicts, want)
	}
}
