package source_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/source"
)

// writeIn writes content to dir/name and returns its path.
func writeIn(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// bigRows is a JSON array of n valid rows with _ids from first, then tail
// (raw, appended as the last element when not "").
func bigRows(first, n int, tail string) string {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"_id": %d, "CMU ID": "BIG%d", "Component ID": "C%d", "Company Name": "Acme %d", "Delivery Year": 2024, "Generating Technology Class": "DSR", "Location and Post Code": "Mill Lane, York, YO51 9LS", "OS Grid Reference": "SE 473 250"}`, first+i, i%50, i, i%7)
	}
	if tail != "" {
		b.WriteString("," + tail)
	}
	b.WriteString("]")
	return b.String()
}

// TestReadFilesInOrder: files are parsed side by side, but what a read
// returns is that of reading them one after another. A big first file (parsed
// last to finish) still wins a duplicate over a tiny later one; its rows
// keep their order and provenance; the error returned is the first file's in
// order even when a later, smaller file fails first; and the result is the
// same at GOMAXPROCS 1 and 4.
func TestReadFilesInOrder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return writeIn(t, dir, name, content) }
	// a.json: 5,000 rows, the last an _id the tiny b.json also has.
	a := write("a.json", bigRows(1, 5000, `{"_id": 900001, "CMU ID": "DUP1", "Component ID": "CD", "Company Name": "First Ltd", "Delivery Year": 2024, "Location and Post Code": "York"}`))
	b := write("b.json", `[{"_id": 900001, "CMU ID": "DUP1", "Component ID": "CD", "Company Name": "Second Ltd", "Delivery Year": 2024, "Location and Post Code": "York"}]`)
	var results []*source.Result
	for _, procs := range []int{1, 4} {
		old := runtime.GOMAXPROCS(procs)
		res, err := source.Read([]string{a, b}, "")
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		checkAccounting(t, res)
		results = append(results, res)
	}
	res := results[0]
	if !reflect.DeepEqual(results[0], results[1]) {
		t.Error("GOMAXPROCS 1 and 4 read different results")
	}
	if len(res.Components) != 5001 || res.Sources[1].Counts.Duplicate != 1 {
		t.Fatalf("%d components, b.json duplicates %d; want 5001 and 1", len(res.Components), res.Sources[1].Counts.Duplicate)
	}
	last := res.Components[len(res.Components)-1]
	if last.ID != 900001 || last.Company != "First Ltd" || last.SourceFile != a || last.SourceRow != 5001 {
		t.Errorf("the duplicate kept is %d %q from %s row %d; want a.json's row 5001 (First Ltd)", last.ID, last.Company, last.SourceFile, last.SourceRow)
	}
	for i, c := range res.Components[:5000] {
		if c.ID != int64(i+1) || c.SourceRow != i+1 {
			t.Fatalf("component %d is _id %d from row %d", i, c.ID, c.SourceRow)
		}
	}

	// c.json fails at its last row (after 5,000 good ones); d.json, tiny,
	// fails at once. The error is c's, as reading in order would give.
	c := write("c.json", bigRows(1, 5000, `{"_id": 1.5e400`)+"")
	d := write("d.json", `[{"_id": `)
	_, err := source.Read([]string{c, d}, "")
	if err == nil || !strings.Contains(err.Error(), "c.json") {
		t.Errorf("error %v, want c.json's", err)
	}
	// The other way round: d's.
	_, err = source.Read([]string{d, c}, "")
	if err == nil || !strings.Contains(err.Error(), "d.json") {
		t.Errorf("error %v, want d.json's", err)
	}
}

// TestReadMixErrorBeforeLaterParseError: read one after another, a file that
// mixes the app's snake_case export with earlier _id rows fails at its first
// row, before its later syntax error is reached; the parallel read must
// report the same. Each format streams its rows differently: CSV, NDJSON, a
// JSON array and an app-cache object that are not valid JSON.
func TestReadMixErrorBeforeLaterParseError(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return writeIn(t, dir, name, content) }
	a := write("a.json", `[{"_id": 1, "CMU ID": "A", "Component ID": "C1", "Company Name": "X", "Delivery Year": 2024, "Location and Post Code": "York"}]`)
	snake := func(id int) string {
		return fmt.Sprintf(`{"component_id": %d, "cmu_id": "A", "company_name": "B", "delivery_year": 2024}`, id)
	}
	cases := map[string]string{
		"b.csv":    "component_id,cmu_id,company_name,delivery_year\n1,A,B,2024\n2,A,B,2024\n3,\"broken\n",
		"b.ndjson": snake(1) + "\n" + snake(2) + "\n" + `{"component_id": ` + "\n",
		"b.json":   "[" + snake(1) + "," + snake(2) + `, {"component_id": 1.5e400}]`,
		"c.json":   `{"KEY": [` + snake(1) + "," + snake(2) + `, {"component_id": 1.5e400}]}`,
	}
	for name, content := range cases {
		b := write(name, content)
		_, err := source.Read([]string{a, b}, "")
		if err == nil || !strings.Contains(err.Error(), "cannot mix") || !strings.Contains(err.Error(), "record 1") {
			t.Errorf("%s: error %v, want the mix error at record 1", name, err)
		}
	}
}

// TestReadStopsParsersOnError: once Read has an error, the later files'
// parsers stop, and Read returns only when they have: nothing is left running.
func TestReadStopsParsersOnError(t *testing.T) {
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "a.ndjson")}
	if err := os.WriteFile(paths[0], []byte("{\"_id\": \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var b strings.Builder
		for j := range 50000 {
			fmt.Fprintf(&b, `{"_id": %d, "CMU ID": "A", "Component ID": "C", "Company Name": "X", "Delivery Year": 2024}`+"\n", i*1_000_000+j+1)
		}
		p := filepath.Join(dir, fmt.Sprintf("b%d.ndjson", i))
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	before := runtime.NumGoroutine()
	if _, err := source.Read(paths, ""); err == nil || !strings.Contains(err.Error(), "a.ndjson") {
		t.Fatalf("error %v, want a.ndjson's", err)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before Read, %d after it returned its error", before, after)
	}
}
