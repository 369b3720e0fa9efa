package apprules

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/audit.md's generated cache-family table")

func TestCacheFamiliesParse(t *testing.T) {
	fams, err := CacheFamilies()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range fams {
		if names[f.Name] {
			t.Errorf("family %q twice", f.Name)
		}
		names[f.Name] = true
		if f.Source == "" {
			t.Errorf("family %q: no source", f.Name)
		}
	}
	for _, want := range []string{"cmu_dataframe_v1", "cmu_to_company_mapping", "components_for_cmu*", "map_data_<md5>", "filter:*"} {
		if !names[want] {
			t.Errorf("no family %q", want)
		}
	}
}

// TestCacheFamiliesRefused: the parser refuses what its readers would
// misread, each case naming the family and the field.
func TestCacheFamiliesRefused(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"families":[{"name":"a","exact":"a","prefix":"a","source":"s","backend":"bake"}]}`, `family "a": set exact, or prefix`},
		{`{"families":[{"name":"a","source":"s","backend":"bake"}]}`, `family "a": set exact, or prefix`},
		{`{"families":[{"name":"a","exact":"a","rest":"md5","source":"s","backend":"bake"}]}`, `rest applies to a prefix only`},
		{`{"families":[{"name":"a","prefix":"a","rest":"hex","source":"s","backend":"bake"}]}`, `unknown rest "hex"`},
		{`{"families":[{"name":"a","prefix":"a","source":"s","backend":"memcached"}]}`, `unknown backend "memcached"`},
		{`{"families":[{"name":"a","prefix":"a","source":"s","backend":"bake","ttl":3}]}`, `unknown field "ttl"`},
		{`{"families":[{"exact":"a","source":"s","backend":"bake"}]}`, `family 0: no name`},
		{`{"families":[`, `cache_families.json`},
	} {
		if _, err := parseCacheFamilies([]byte(c.body)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.body, err, c.want)
		}
	}
}

// TestPythonCopy: the Python package's data files are these files (symlinks
// that a wheel build copies; python/tests/test_cache.py checks the wheel,
// test_rules.py the Python code against app_rules.json).
func TestPythonCopy(t *testing.T) {
	for name, embedded := range map[string][]byte{"cache_families.json": CacheFamiliesJSON, "app_rules.json": AppRulesJSON} {
		py, err := os.ReadFile(filepath.Join("..", "..", "python", "src", "prebake", "data", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(py, embedded) {
			t.Errorf("python/src/prebake/data/%s differs from internal/apprules/%s", name, name)
		}
	}
}

const (
	readmeBegin = "<!-- cache-families:begin (generated from internal/apprules/cache_families.json: go test ./internal/apprules/ -update) -->\n"
	readmeEnd   = "<!-- cache-families:end -->\n"
)

// readmeTable is docs/audit.md's table of the families, from the file.
func readmeTable(fams []CacheFamily) string {
	var b strings.Builder
	b.WriteString(readmeBegin)
	b.WriteString("| family | `prebake audit` with a manifest | `PrebakeCache` (Django) | the app builds it in |\n|---|---|---|---|\n")
	for _, f := range fams {
		audit := "reported and kept"
		if len(f.ReplacedBy) > 0 {
			audit = "replaced by `" + strings.Join(f.ReplacedBy, "`, `") + "`"
		}
		backend := map[string]string{
			BackendBake:    "built from the bake",
			BackendProcess: "per-process store",
			BackendRedis:   "passed to Redis",
		}[f.Backend]
		src := f.Source
		if f.Note != "" {
			src += "; " + f.Note
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.Name, audit, backend, strings.ReplaceAll(src, "|", `\|`))
	}
	b.WriteString(readmeEnd)
	return b.String()
}

// TestReadmeTable: the family table of docs/audit.md (prebake audit's page,
// moved there from the README) is generated from the file (-update rewrites
// it), so the docs cannot call a family replaced or kept
// against the table audit and the backend read.
func TestReadmeTable(t *testing.T) {
	fams, err := CacheFamilies()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "audit.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i, j := strings.Index(s, readmeBegin), strings.Index(s, readmeEnd)
	if i < 0 || j < i {
		t.Fatalf("docs/audit.md has no generated cache-family table (markers %q ... %q)", readmeBegin, readmeEnd)
	}
	want := readmeTable(fams)
	got := s[i : j+len(readmeEnd)]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(s[:i]+want+s[j+len(readmeEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/audit.md's cache-family table differs from cache_families.json; run go test ./internal/apprules/ -update\nwant:\n%s", want)
}
