// Package jsclient bundles prebake's JavaScript client (js/src, the npm package
// @prebake/client, embedded by package js) into one ES module, the file every
// bake writes as the asset js/prebake-client.mjs, so that a page loads the client
// its tiles were baked for (docs/manifest.md, js/README.md).
//
// The bundle is esbuild's (github.com/evanw/esbuild/pkg/api): the package entry
// js/src/index.mjs and the modules it imports, in one file exporting the
// package's public API, not minified, the licence notices of the ported code
// kept. It depends only on the embedded sources and the esbuild version in
// go.mod, so it is byte for byte the same on every run and machine.
package jsclient

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/js"
)

// AssetName is the manifest's name of the bundled client; the file is
// js/prebake-client.<sha256[:16]>.mjs.
const AssetName = "js/prebake-client.mjs"

// entry is the package's entry point inside js.Package.
const entry = "src/index.mjs"

// Bundle returns the client as one ES module (the same slice on every call:
// do not modify it), or an error naming the module esbuild could not read.
var Bundle = sync.OnceValues(func() ([]byte, error) { return bundle(js.Package) })

// Write writes the bundle through w as the asset AssetName.
func Write(w *writer.Writer) error {
	b, err := Bundle()
	if err != nil {
		return err
	}
	_, err = w.WriteAsset(AssetName, b, writer.Meta{})
	return err
}

// bundle bundles entry of src (package.json and src/*.mjs). Imports resolve
// inside src only: the client has no dependencies, so a bare or absolute
// import is an error rather than a file read from the machine.
func bundle(src fs.FS) ([]byte, error) {
	var pkg struct{ Name, Version string }
	b, err := fs.ReadFile(src, "package.json")
	if err == nil {
		err = json.Unmarshal(b, &pkg)
	}
	if err != nil {
		return nil, fmt.Errorf("js client: package.json: %w", err)
	}
	const ns = "prebake-client"
	embedded := api.Plugin{Name: "embedded", Setup: func(pb api.PluginBuild) {
		pb.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			if a.Kind == api.ResolveEntryPoint {
				return api.OnResolveResult{Path: a.Path, Namespace: ns}, nil
			}
			if !strings.HasPrefix(a.Path, "./") && !strings.HasPrefix(a.Path, "../") {
				return api.OnResolveResult{}, fmt.Errorf("import %q: the client imports only its own modules", a.Path)
			}
			return api.OnResolveResult{Path: path.Join(path.Dir(a.Importer), a.Path), Namespace: ns}, nil
		})
		pb.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: ns}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			data, err := fs.ReadFile(src, a.Path)
			if err != nil {
				return api.OnLoadResult{}, err
			}
			s := string(data)
			return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS}, nil
		})
	}}
	res := api.Build(api.BuildOptions{
		EntryPoints:   []string{entry},
		Bundle:        true,
		Format:        api.FormatESModule,
		Target:        api.ESNext, // no lowering: the same statements as the sources
		Charset:       api.CharsetUTF8,
		LegalComments: api.LegalCommentsInline, // the fdlibm, kdbush and supercluster notices
		Banner: map[string]string{"js": fmt.Sprintf("// %s %s: the prebake client, bundled by prebake from js/src (see js/README.md).",
			pkg.Name, pkg.Version)},
		Plugins:  []api.Plugin{embedded},
		LogLevel: api.LogLevelSilent,
		Write:    false,
		Outfile:  "prebake-client.mjs",
	})
	if len(res.Errors) > 0 {
		msgs := make([]string, len(res.Errors))
		for i, m := range res.Errors {
			msgs[i] = m.Text
			if m.Location != nil {
				msgs[i] = fmt.Sprintf("%s:%d: %s", m.Location.File, m.Location.Line, m.Text)
			}
		}
		return nil, fmt.Errorf("js client: bundle: %s", strings.Join(msgs, "; "))
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("js client: bundle: %d output files, want 1", len(res.OutputFiles))
	}
	return res.OutputFiles[0].Contents, nil
}
