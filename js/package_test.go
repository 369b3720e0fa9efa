package js_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// publicAPI is what the package entry exports (src/index.mjs, index.d.ts).
var publicAPI = []string{"ATTRIBUTES_SCHEME", "CLUSTER_TREE_SCHEME", "endpointProperties", "groupProperties", "openLayer", "searchGroups"}

// TestNpmPackage packs js/ with npm, checks the tarball holds exactly the
// package's files (package.json, README.md, index.d.ts, src/*.mjs: no tests, no
// Go) byte for byte, installs it into an empty project and imports it from
// Node: the entry exports the public API only, the internals are not
// importable, the schemes it reads are the ones the bake writes and the
// package's major version is the tile scheme's number.
func TestNpmPackage(t *testing.T) {
	npm := shareddata.Tool(t, "npm")
	dir := t.TempDir()
	tgz := npmPack(t, npm, dir)

	want := []string{"package/README.md", "package/index.d.ts", "package/package.json"}
	srcs, _ := filepath.Glob("src/*.mjs")
	for _, s := range srcs {
		want = append(want, "package/"+filepath.ToSlash(s))
	}
	got := tarFiles(t, tgz)
	names := slices.Sorted(maps.Keys(got))
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("npm pack holds %q, want %q", names, want)
	}
	for _, n := range names {
		repo, err := os.ReadFile(strings.TrimPrefix(n, "package/"))
		if err != nil || !bytes.Equal(repo, got[n]) {
			t.Errorf("%s in the tarball differs from js/%s (%v)", n, strings.TrimPrefix(n, "package/"), err)
		}
	}

	app := filepath.Join(dir, "app")
	install(t, npm, app, tgz)
	script := `
import * as client from '@prebake/client';
import pkg from '@prebake/client/package.json' with {type: 'json'};
let internal = 'importable';
try { await import('@prebake/client/src/layer.mjs'); } catch (e) { internal = e.code; }
const {features, total} = client.searchGroups([{type: 'Feature', geometry: {type: 'Point', coordinates: [-1, 52]},
    properties: {id: 'a', title: "St. John's", count: 1, active: true, mw: 2, technologies: {Battery: 1}, companies: {X: 1}}}], {});
console.log(JSON.stringify({exports: Object.keys(client).sort(), internal, version: pkg.version,
    schemes: [client.CLUSTER_TREE_SCHEME, client.ATTRIBUTES_SCHEME], total, url: features[0].properties.url}));
`
	var r struct {
		Exports  []string
		Internal string
		Version  string
		Schemes  []string
		Total    int
		URL      string
	}
	runJSON(t, app, &r, "node", "--input-type=module", "-e", script)
	if !slices.Equal(r.Exports, publicAPI) {
		t.Errorf("the installed package exports %q, want %q", r.Exports, publicAPI)
	}
	if r.Internal != "ERR_PACKAGE_PATH_NOT_EXPORTED" {
		t.Errorf("importing @prebake/client/src/layer.mjs: %q, want ERR_PACKAGE_PATH_NOT_EXPORTED", r.Internal)
	}
	if r.Total != 1 || r.URL != "/location/by-name/St.%20John%27s/" {
		t.Errorf("searchGroups from the installed package: total %d, url %q", r.Total, r.URL)
	}
	if len(r.Schemes) != 2 || r.Schemes[0] != maptiles.Scheme || r.Schemes[1] != maptiles.AttrsScheme {
		t.Errorf("the client reads %q, the bake writes %q and %q", r.Schemes, maptiles.Scheme, maptiles.AttrsScheme)
	}
	major := strings.SplitN(r.Version, ".", 2)[0]
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(r.Version) || maptiles.Scheme != "prebake-cluster-tree/"+major {
		t.Errorf("package version %s: its major must be the number of the tile scheme %s (js/README.md)", r.Version, maptiles.Scheme)
	}
}

// TestTypeDeclarations compiles a small TypeScript page against the installed
// package's declarations with tsc --strict, and a page with type errors, which
// tsc must refuse at exactly the lines marked.
func TestTypeDeclarations(t *testing.T) {
	npm := shareddata.Tool(t, "npm")
	tsc := filepath.Join(shareddata.Root(), ".cache", "peers", "typescript", "node_modules", ".bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		shareddata.Missing(t, "TypeScript is not installed in .cache/peers/typescript (run scripts/setup-peers.sh)")
	}
	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	install(t, npm, app, npmPack(t, npm, dir))
	tsconfig := `{"compilerOptions": {"strict": true, "noEmit": true, "target": "es2022", "module": "nodenext",
  "moduleResolution": "nodenext", "lib": ["es2022", "dom"], "types": []}, "files": ["page.ts"]}`
	write(t, filepath.Join(app, "tsconfig.json"), tsconfig)

	page, err := os.ReadFile(filepath.Join("testdata", "page.ts"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(app, "page.ts"), string(page))
	if out, err := runTsc(tsc, app); err != nil {
		t.Fatalf("tsc --strict on testdata/page.ts: %v\n%s", err, out)
	}

	// The same page with a mistake on each marked line.
	bad, err := os.ReadFile(filepath.Join("testdata", "page-errors.ts"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(app, "page.ts"), string(bad))
	out, err := runTsc(tsc, app)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("tsc accepted testdata/page-errors.ts (%v):\n%s", err, out)
	}
	var wantLines, gotLines []string
	for i, line := range strings.Split(string(bad), "\n") {
		if strings.Contains(line, "// type error") {
			wantLines = append(wantLines, "page.ts("+strconv.Itoa(i+1)+",")
		}
	}
	for _, m := range regexp.MustCompile(`(?m)^page\.ts\(\d+,`).FindAllString(string(out), -1) {
		if !slices.Contains(gotLines, m) {
			gotLines = append(gotLines, m)
		}
	}
	if len(wantLines) == 0 || !slices.Equal(gotLines, wantLines) {
		t.Errorf("tsc reported errors at %q, want exactly the marked lines %q:\n%s", gotLines, wantLines, out)
	}
}

// runTsc runs tsc on the project at app, reporting paths relative to it.
func runTsc(tsc, app string) ([]byte, error) {
	cmd := exec.Command(tsc, "-p", ".", "--pretty", "false")
	cmd.Dir = app
	return cmd.CombinedOutput()
}

// npmPack packs js/ into dir and returns the tarball's path.
func npmPack(t *testing.T, npm, dir string) string {
	t.Helper()
	var packed []struct{ Filename string }
	runJSON(t, ".", &packed, npm, "pack", "--json", "--pack-destination", dir)
	if len(packed) != 1 {
		t.Fatalf("npm pack: %d packages", len(packed))
	}
	return filepath.Join(dir, packed[0].Filename)
}

// install installs the tarball into a new npm project at app, offline (the
// package has no dependencies).
func install(t *testing.T, npm, app, tgz string) {
	t.Helper()
	write(t, filepath.Join(app, "package.json"), `{"name": "app", "private": true, "type": "module"}`)
	cmd := exec.Command(npm, "install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", tgz)
	cmd.Dir = app
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install %s: %v\n%s", tgz, err, out)
	}
}

func runJSON(t *testing.T, dir string, v any, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, args[0], err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%s %s printed %.300q: %v", name, args[0], out, err)
	}
}

func tarFiles(t *testing.T, tgz string) map[string][]byte {
	t.Helper()
	f, err := os.Open(tgz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = b
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
