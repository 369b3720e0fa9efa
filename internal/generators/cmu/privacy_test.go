package cmu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/parquet-go/parquet-go"

	"github.com/prebake/prebake/internal/testkit/dataset"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

var (
	contactColumn = regexp.MustCompile(`(?i)contact|e-?mail|telephone|phone|fax`)
	emailPattern  = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	nonDigit      = regexp.MustCompile(`\D+`)
)

// inputContacts collects, straight from the raw input files and independently of
// the source package, every value of a contact-like column of the CMU register
// and every e-mail address anywhere in the inputs; for a telephone number also
// its digits alone, so that a reformatted number is caught too.
func inputContacts(t *testing.T, files []string) []string {
	t.Helper()
	set := map[string]bool{}
	add := func(v string) {
		v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "'"))
		if len(v) < 5 {
			return
		}
		set[v] = true
		if d := nonDigit.ReplaceAllString(v, ""); len(d) >= 9 && !strings.Contains(v, "@") {
			set[d] = true
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range emailPattern.FindAll(data, -1) {
			add(string(e))
		}
		if filepath.Base(f) != "cmu_register_rows.json" {
			continue
		}
		var rows []map[string]any
		if err := json.Unmarshal(data, &rows); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, r := range rows {
			for k, v := range r {
				if v != nil && contactColumn.MatchString(k) {
					add(fmt.Sprint(v))
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// decodedText is everything a file could reveal as text: its bytes; for a
// compressed variant (outputFiles) its decompressed bytes; for Parquet and Arrow,
// which compress their pages, every string value, the schema and the metadata.
func decodedText(t *testing.T, path string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	b.Write(data)
	b.WriteByte('\n')
	switch {
	case strings.HasSuffix(path, ".parquet"):
		f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b.WriteString(f.Schema().String())
		for _, kv := range f.Metadata().KeyValueMetadata {
			b.WriteString(kv.Key + "=" + kv.Value + "\n")
		}
		parquetRows(t, path, f, func(row parquet.Row) {
			for _, v := range row {
				if v.Kind() == parquet.ByteArray {
					b.Write(v.ByteArray())
					b.WriteByte('\n')
				}
			}
		})
	case strings.HasSuffix(path, ".arrow"):
		r, err := ipc.NewFileReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer r.Close()
		b.WriteString(r.Schema().String())
		for i := 0; i < r.NumRecords(); i++ {
			rec, err := r.RecordBatchAt(i)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, col := range rec.Columns() {
				if s, ok := col.(*array.String); ok {
					for j := 0; j < s.Len(); j++ {
						b.WriteString(s.Value(j))
						b.WriteByte('\n')
					}
				}
			}
		}
	}
	return b.Bytes()
}

// scanForContacts returns "file: value" for every contact value found in any
// output file.
func scanForContacts(t *testing.T, out string, contacts []string) []string {
	t.Helper()
	var found []string
	for p, data := range outputFiles(t, out) {
		text := decodedText(t, p, data)
		for _, c := range contacts {
			if bytes.Contains(text, []byte(c)) {
				rel, _ := filepath.Rel(out, p)
				found = append(found, rel+": "+c)
			}
		}
	}
	sort.Strings(found)
	return found
}

// TestRealNoContactsPublished bakes the real register, CMU contact columns
// included in the input, and scans every output file for every contact value;
// with IncludeContacts the same scan must find them (so the scan itself works).
func TestRealNoContactsPublished(t *testing.T) {
	dir := shareddata.Path(t, "data/register")
	files, err := filepath.Glob(filepath.Join(dir, "components_*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(dir, "cmu_register_rows.json"))
	contacts := inputContacts(t, files)
	if len(contacts) < 20 {
		t.Fatalf("only %d contact values found in the inputs; the extraction is broken", len(contacts))
	}
	emails := 0
	for _, c := range contacts {
		if strings.Contains(c, "@") {
			emails++
		}
	}
	t.Logf("%d distinct contact values (%d e-mail addresses) in the inputs", len(contacts), emails)
	if emails < 10 {
		t.Fatalf("only %d e-mail addresses found in the inputs", emails)
	}
	ds := dataset.Real(t)
	withContacts := 0
	for _, c := range ds.CMUs {
		if len(c.Contacts) > 0 {
			withContacts++
		}
	}
	if withContacts == 0 {
		t.Fatal("the dataset carries no contacts: the test would prove nothing")
	}

	out, _ := realBake(t)
	if found := scanForContacts(t, out, contacts); len(found) > 0 {
		t.Errorf("%d contact values published without IncludeContacts, e.g. %v", len(found), found[:min(5, len(found))])
	}

	out2, m2 := bake(t, ds, Options{IncludeContacts: true})
	found := scanForContacts(t, out2, contacts)
	if len(found) == 0 {
		t.Fatal("with IncludeContacts no contact value was found: the scan does not work")
	}
	for _, f := range found {
		if !strings.HasPrefix(f, "cmu/contacts.") {
			t.Errorf("contact value outside cmu/contacts with IncludeContacts: %s", f)
		}
	}
	if _, ok := m2.Assets["cmu/contacts.parquet"]; !ok {
		t.Error("IncludeContacts wrote no cmu/contacts.parquet")
	}
}

// TestNoContactsPublished is the same check on a hand-made dataset, so that it
// runs without ../shared.
func TestNoContactsPublished(t *testing.T) {
	ds := smallDataset()
	contacts := []string{"trader@example.com", "441234567890"}
	out, m := bake(t, ds, Options{})
	if found := scanForContacts(t, out, contacts); len(found) > 0 {
		t.Errorf("contacts published: %v", found)
	}
	if _, ok := m.Assets["cmu/contacts.json"]; ok {
		t.Error("cmu/contacts written without IncludeContacts")
	}
	out, m = bake(t, ds, Options{IncludeContacts: true})
	found := scanForContacts(t, out, contacts)
	// Both values, each in the JSON, its compressed variants, Parquet and Arrow.
	js, ok := m.Assets["cmu/contacts.json"]
	if !ok {
		t.Fatal("IncludeContacts wrote no cmu/contacts.json")
	}
	if want := 2 * (3 + len(js.Encodings)); len(found) != want {
		t.Errorf("with IncludeContacts found %d: %v", len(found), found)
	}
}
