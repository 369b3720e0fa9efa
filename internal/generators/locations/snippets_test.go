package locations

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// readmeBlock returns the README's fenced code block of lang that contains marker.
func readmeBlock(t *testing.T, lang, marker string) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```")
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		if strings.Contains(m[1], marker) {
			return m[1]
		}
	}
	t.Fatalf("README.md has no %s block with %q", lang, marker)
	return ""
}

// lookupCases are looked up by both snippets in the small dataset's bake.
var lookupCases = []struct {
	in   string
	want string // the snippet's JSON answer, lat/lng/precision only; "null" when none
}{
	{"wf11 8rd", `{"lat":53.7105,"lng":-1.2605,"precision":"unit"}`},
	{"WF10 1ZZ", `{"lat":53.7255,"lng":-1.3555,"precision":"sector"}`}, // no such unit: its sector's centroid
	{"WF11 8ZZ", `{"lat":53.71225,"lng":-1.26975,"precision":"sector"}`},
	{"WF10 9AA", `{"lat":53.727,"lng":-1.347,"precision":"district"}`}, // no such sector: the district's

	{"ZZ9 9ZZ", `null`},
	{"not a postcode", `null`},
}

// bakeForSnippets bakes the small dataset behind a file server and commits the
// manifest, as the app would see it.
func bakeForSnippets(t *testing.T) (manifestPath, outDir string) {
	t.Helper()
	outDir = t.TempDir()
	srv := httptest.NewServer(http.FileServer(http.Dir(outDir)))
	t.Cleanup(srv.Close)
	w, err := writer.New(writer.Options{OutDir: outDir, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(smallDataset(), w, Options{}); err != nil {
		t.Fatal(err)
	}
	manifestPath = filepath.Join(t.TempDir(), "manifest.json")
	if err := w.Commit(manifestPath, manifest.Manifest{}); err != nil {
		t.Fatal(err)
	}
	return manifestPath, outDir
}

// normalizeAnswers keeps lat, lng and precision of each printed answer, and
// checks its postcode, outcode and sector agree.
func normalizeAnswers(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("answer %q: %v", line, err)
		}
		if v == nil {
			got = append(got, "null")
			continue
		}
		b, _ := json.Marshal(map[string]any{"lat": v["lat"], "lng": v["lng"], "precision": v["precision"]})
		got = append(got, string(b))
		// The postcode, outcode and sector are the input's, normalized.
		pc, _ := v["postcode"].(string)
		oc, _, err := splitPostcode(pc)
		if err != nil || v["outcode"] != oc || v["sector"] != pc[:len(oc)+2] {
			t.Errorf("answer %s: postcode, outcode and sector do not agree", line)
		}
	}
	return got
}

func checkAnswers(t *testing.T, who string, got []string) {
	t.Helper()
	if len(got) != len(lookupCases) {
		t.Fatalf("%s: %d answers for %d postcodes: %v", who, len(got), len(lookupCases), got)
	}
	for i, c := range lookupCases {
		if got[i] != c.want {
			t.Errorf("%s: %q -> %s, want %s", who, c.in, got[i], c.want)
		}
	}
}

// TestReadmePythonLookup runs the README's Python snippet, verbatim, against a bake.
func TestReadmePythonLookup(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	manifestPath, outDir := bakeForSnippets(t)
	script := readmeBlock(t, "python", "def lookup_postcode") + `
import sys
m = json.load(open(sys.argv[1]))
for pc in sys.argv[3:]:
    print(json.dumps(lookup_postcode(m, sys.argv[2], pc)))
`
	p := filepath.Join(t.TempDir(), "lookup.py")
	if err := os.WriteFile(p, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{p, manifestPath, outDir}
	for _, c := range lookupCases {
		args = append(args, c.in)
	}
	out, err := exec.Command(py, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	checkAnswers(t, "python", normalizeAnswers(t, string(out)))
}

// TestReadmeJSLookup runs the README's JavaScript snippet, verbatim, under Node
// with fetch against the bake served over HTTP.
func TestReadmeJSLookup(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	manifestPath, _ := bakeForSnippets(t)
	script := readmeBlock(t, "js", "async function lookupPostcode") + `
import fs from "node:fs";
const manifest = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
for (const pc of process.argv.slice(3)) console.log(JSON.stringify(await lookupPostcode(manifest, pc)));
`
	p := filepath.Join(t.TempDir(), "lookup.mjs")
	if err := os.WriteFile(p, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{p, manifestPath}
	for _, c := range lookupCases {
		args = append(args, c.in)
	}
	out, err := exec.Command(node, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	checkAnswers(t, "node", normalizeAnswers(t, string(out)))
}
