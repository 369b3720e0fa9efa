package serve

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"github.com/prebake/prebake/internal/jsclient"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/js"
)

// preview holds the preview page, its script, and the map libraries vendored
// from npm by scripts/vendor-preview.sh (maplibre-gl, pmtiles: see
// preview/vendor/VERSIONS), so that the page needs no CDN and `go build` of a
// fresh clone needs no npm.
//
//go:embed preview
var preview embed.FS

// embedded is one file the server carries: the preview's, the client
// bundle prebake-client.mjs, and rules.mjs (js/src/rules.mjs, the app's rules
// generated from internal/apprules/app_rules.json), which the preview imports.
type embedded struct {
	data []byte
	etag string
}

func newEmbedded(data []byte) embedded {
	sum := sha256.Sum256(data)
	return embedded{data, `"` + hex.EncodeToString(sum[:16]) + `"`}
}

// clientName is this server's own client: what a bake by this binary writes as
// the asset js/prebake-client.mjs, for bakes whose manifest names none. Bundled
// on first request, not at start.
const clientName = "prebake-client.mjs"

var clientFile = sync.OnceValues(func() (embedded, error) {
	b, err := jsclient.Bundle()
	return newEmbedded(b), err
})

var embeddedFiles = func() map[string]embedded {
	files := map[string]embedded{}
	add := func(name string, data []byte) { files[name] = newEmbedded(data) }
	err := fs.WalkDir(preview, "preview", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := preview.ReadFile(p)
		add(p[len("preview/"):], data)
		return err
	})
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	rules, err := js.Package.ReadFile("src/rules.mjs")
	if err != nil {
		panic(err) // embedded too
	}
	add("rules.mjs", rules)
	return files
}()

func serveEmbedded(w http.ResponseWriter, r *http.Request, name string) {
	f, ok := embeddedFiles[name]
	if name == clientName {
		var err error
		if f, err = clientFile(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ok = true
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("ETag", f.etag)
	h.Set("Content-Type", writer.ContentType(name))
	h.Set("Cache-Control", "no-cache") // revalidate: a rebuilt binary may carry a new page
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

func (s *Server) servePreview(w http.ResponseWriter, r *http.Request) {
	serveEmbedded(w, r, "index.html")
}

func (s *Server) serveEmbedded(w http.ResponseWriter, r *http.Request) {
	serveEmbedded(w, r, r.URL.Path)
}
