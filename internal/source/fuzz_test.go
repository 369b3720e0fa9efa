package source_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/prebake/prebake/internal/source"
)

// FuzzRead feeds arbitrary bytes to Read, detected and under every forced format:
// it must never panic, and whatever it accepts must account for every row.
func FuzzRead(f *testing.F) {
	seeds := []string{
		`{"AAA1": [` + row1 + `, ` + row2 + `]}`,
		`{"help": "h", "success": true, "result": {"records": [` + row1 + `], "total": 1}}`,
		`[` + row1 + `, 42, {}]`,
		row1 + "\n" + row2 + "\n",
		"_id,CMU ID,Component ID\n1,A,B\n2,A\n",
		"location,cmu_id,component_id,delivery_year\n\"York\",F1,19527,2022\n",
		`[{"_id": 5, "CMU ID": "AAA1", "Name of Applicant": "Acme", "Secondary Trading Contact - Email": "x@example.invalid"}]`,
		`[{"_id": "abc", "Delivery Year": {"a": 1}}]`,
		"[{\"_id\": 1, \"CMU ID\": \"\xff\"}]",
		`{"AAA1": [` + row1,
		"",
		"\xef\xbb\xbf[]",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i))
	}
	formats := append([]string{""}, source.Formats...)
	// One file, rewritten for each input, keeps an execution cheap.
	p := filepath.Join(f.TempDir(), "in")
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := source.Read([]string{p}, formats[int(which)%len(formats)])
		if err != nil {
			if res != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		checkAccounting(t, res)
		if len(res.Sources) != 1 || res.Sources[0].Counts.Read == 0 {
			t.Fatalf("accepted a file with no rows: %+v", res.Sources)
		}
		if len(res.Components)+len(res.CMUs) != res.Sources[0].Counts.Used {
			t.Fatalf("%d components + %d CMUs, but %d used", len(res.Components), len(res.CMUs), res.Sources[0].Counts.Used)
		}
	})
}

// TestReadSurvivesMutations is a deterministic stand-in for fuzzing in `go test`:
// seeded random byte edits, truncations and insertions of JSON/CSV punctuation,
// under every format, must neither panic nor break the accounting.
func TestReadSurvivesMutations(t *testing.T) {
	seeds := []string{
		`{"AAA1": [` + row1 + `, ` + row2 + `]}`,
		`{"help": "h", "success": true, "result": {"records": [` + row1 + `], "total": 1}}`,
		`[` + row1 + `, 42, {}]`,
		row1 + "\n" + row2 + "\n",
		"_id,CMU ID,Component ID\n1,A,B\n2,A\n",
		`[{"_id": 5, "CMU ID": "AAA1", "Name of Applicant": "Acme", "Secondary Trading Contact - Email": "x@example.invalid"}]`,
	}
	formats := append([]string{""}, source.Formats...)
	rng := rand.New(rand.NewPCG(1, 2))
	p := filepath.Join(t.TempDir(), "in")
	const punct = "{}[],\":\n\x00\xff"
	for i := 0; i < 1500; i++ {
		b := []byte(seeds[rng.IntN(len(seeds))])
		for k := 0; k < 1+rng.IntN(4); k++ {
			j := rng.IntN(len(b))
			switch rng.IntN(3) {
			case 0:
				b[j] = byte(rng.IntN(256))
			case 1:
				b = b[:j+1]
			case 2:
				b = append(b[:j:j], append([]byte{punct[rng.IntN(len(punct))]}, b[j:]...)...)
			}
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := source.Read([]string{p}, formats[rng.IntN(len(formats))])
		if err != nil {
			continue
		}
		checkAccounting(t, res)
		if res.Sources[0].Counts.Read == 0 {
			t.Fatalf("accepted %q with no rows", b)
		}
	}
}
