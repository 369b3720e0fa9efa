package serve

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"time"

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

// embedded is one file the server carries: the preview's, js/prebake-map.mjs and
// the js/src/rules.mjs it imports.
type embedded struct {
	data []byte
	etag string
}

var embeddedFiles = func() map[string]embedded {
	files := map[string]embedded{}
	add := func(name string, data []byte) {
		sum := sha256.Sum256(data)
		files[name] = embedded{data, `"` + hex.EncodeToString(sum[:16]) + `"`}
	}
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
	add("prebake-map.mjs", js.PrebakeMap)
	add("src/rules.mjs", js.Rules) // prebake-map.mjs imports ./src/rules.mjs
	return files
}()

// contentType extends the writer's table with the preview's own formats.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".mjs":
		return "text/javascript; charset=utf-8"
	}
	return writer.ContentType(name)
}

func serveEmbedded(w http.ResponseWriter, r *http.Request, name string) {
	f, ok := embeddedFiles[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("ETag", f.etag)
	h.Set("Content-Type", contentType(name))
	h.Set("Cache-Control", "no-cache") // revalidate: a rebuilt binary may carry a new page
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

func (s *Server) servePreview(w http.ResponseWriter, r *http.Request) {
	serveEmbedded(w, r, "index.html")
}

func (s *Server) serveEmbedded(w http.ResponseWriter, r *http.Request) {
	serveEmbedded(w, r, r.URL.Path)
}
