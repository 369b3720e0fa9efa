package jsclient

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/js"
	"github.com/prebake/prebake/manifest"
)

// TestBundleDeterministic: bundling the embedded sources again, and the
// repository's files read from disk, gives the same bytes, with the licence
// notices of the ported code kept.
func TestBundleDeterministic(t *testing.T) {
	b, err := Bundle()
	if err != nil {
		t.Fatal(err)
	}
	again, err := bundle(js.Package)
	if err != nil {
		t.Fatal(err)
	}
	fromDisk, err := bundle(os.DirFS(filepath.Join(shareddata.Root(), "js")))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, again) || !bytes.Equal(b, fromDisk) {
		t.Fatalf("bundles differ: %d, %d and %d (from js/ on disk) bytes", len(b), len(again), len(fromDisk))
	}
	for _, notice := range []string{"Copyright (C) 1993 by Sun Microsystems", "Ported from kdbush 4.1.0, ISC License",
		"Ported from supercluster 9.1.0, ISC License", "// @prebake/client 3."} {
		if !bytes.Contains(b, []byte(notice)) {
			t.Errorf("the bundle lacks %q", notice)
		}
	}
}

// TestBundleIsThePackage imports the bundle and the package entry
// (js/src/index.mjs) in Node: the same exports, the same scheme constants, the
// same answer from searchGroups.
func TestBundleIsThePackage(t *testing.T) {
	shareddata.Tool(t, "node")
	b, err := Bundle()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "prebake-client.mjs")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
const [bundle, source] = await Promise.all(process.argv.slice(1).map(f => import(f)));
const groups = [{type: 'Feature', geometry: {type: 'Point', coordinates: [-1, 52]}, properties: {id: 'b', title: 'Leeds/C', count: 2,
    active: true, mw: 3, technologies: {'Storage (Duration 2h)': 2}, companies: {'A': 2}, descriptions: ['x'], cmu_ids: ['CMU9']}}];
const run = m => ({exports: Object.keys(m).sort(), schemes: [m.CLUSTER_TREE_SCHEME, m.ATTRIBUTES_SCHEME],
    search: m.searchGroups(groups, {tech: 'Battery', zoom: 11})});
console.log(JSON.stringify([run(bundle), run(source)]));
`
	cmd := exec.Command("node", "--input-type=module", "-e", script, file, filepath.Join(shareddata.Root(), "js", "src", "index.mjs"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got [2]json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node printed %q: %v", out, err)
	}
	if !bytes.Equal(got[0], got[1]) {
		t.Errorf("the bundle and js/src/index.mjs differ:\nbundle %s\nsource %s", got[0], got[1])
	}
	if !bytes.Contains(got[0], []byte(`"exports":["ATTRIBUTES_SCHEME","CLUSTER_TREE_SCHEME","endpointProperties","groupProperties","openLayer","searchGroups"]`)) ||
		!bytes.Contains(got[0], []byte(`"tech":"Storage (Duration 2h)"`)) {
		t.Errorf("unexpected exports or search: %s", got[0])
	}
}

// TestBundleImportsOnlyItsOwnModules: a bare import, or a module that is not
// there, fails the bundle with a message naming it; nothing is read from the
// machine's node_modules.
func TestBundleImportsOnlyItsOwnModules(t *testing.T) {
	pkg := &fstest.MapFile{Data: []byte(`{"name": "@prebake/client", "version": "2.0.0"}`)}
	for _, c := range []struct{ index, want string }{
		{`import fs from 'node:fs'; export const x = fs;`, `import "node:fs": the client imports only its own modules`},
		{`import {kdbush} from 'kdbush'; export {kdbush};`, `import "kdbush": the client imports only its own modules`},
		{`export {openLayer} from './nowhere.mjs';`, `src/nowhere.mjs`},
	} {
		_, err := bundle(fstest.MapFS{"package.json": pkg, "src/index.mjs": {Data: []byte(c.index)}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("bundle of %q: %v, want an error with %q", c.index, err, c.want)
		}
	}
	if _, err := bundle(fstest.MapFS{"src/index.mjs": {Data: []byte(`export const x = 1;`)}}); err == nil ||
		!strings.Contains(err.Error(), "package.json") {
		t.Errorf("bundle without package.json: %v", err)
	}
}

// TestWriteAsset: the bundle is the asset js/prebake-client.mjs under its
// content hash, JavaScript, with compressed variants, and a second bake writes
// the same file.
func TestWriteAsset(t *testing.T) {
	want, err := Bundle()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var paths []string
	for range 2 {
		w, err := writer.New(writer.Options{OutDir: out})
		if err != nil {
			t.Fatal(err)
		}
		if err := Write(w); err != nil {
			t.Fatal(err)
		}
		mp := filepath.Join(out, "manifest.json")
		if err := w.Commit(mp, manifest.Manifest{Generator: manifest.Generator{Name: "prebake", Version: "test"}}); err != nil {
			t.Fatal(err)
		}
		m, err := manifest.Load(mp)
		if err != nil {
			t.Fatal(err)
		}
		a, ok := m.Assets[AssetName]
		if !ok {
			t.Fatalf("no asset %s in %v", AssetName, m.Assets)
		}
		if !regexp.MustCompile(`^js/prebake-client\.[0-9a-f]{16}\.mjs$`).MatchString(a.Path) || a.ContentType != "text/javascript; charset=utf-8" {
			t.Errorf("asset %+v", a)
		}
		got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(a.Path)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not the bundle (%v)", a.Path, err)
		}
		if encs := slices.Sorted(maps.Keys(a.Encodings)); !slices.Equal(encs, []string{"br", "gzip"}) {
			t.Errorf("variants %v, want br and gzip", encs)
		}
		paths = append(paths, a.Path)
	}
	if paths[0] != paths[1] {
		t.Errorf("two bakes wrote %s and %s", paths[0], paths[1])
	}
}
