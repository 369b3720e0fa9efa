package serve

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed templates/report.html
var templates embed.FS

var reportTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"percent": func(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) },
	"metres": func(d *float64) string {
		if d == nil {
			return "—"
		}
		return fmt.Sprintf("%.1f", *d)
	},
}).ParseFS(templates, "templates/report.html"))

// outputLine is one row of the report's output table, formatted.
type outputLine struct {
	Set, Kind                       string
	Files                           int
	Bytes                           []string // in Encodings order
	PrevFiles, PrevIdentity, PrevBr string
}

func (s *Server) serveReportPage(w http.ResponseWriter, r *http.Request) {
	rep, err := s.BuildReport()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	paths := make([]string, len(rep.Sources))
	for i, src := range rep.Sources {
		paths[i] = src.Path
	}
	dir, short := shortPaths(paths)
	srcRows := make([]stackRow, 0, len(rep.Sources))
	for i, src := range rep.Sources {
		c := src.Counts
		text := fmt.Sprintf("%s rows read", num(float64(c.Read)))
		if c.Rejected > 0 {
			text += fmt.Sprintf(", %s rejected", num(float64(c.Rejected)))
		}
		srcRows = append(srcRows, stackRow{short[i], []float64{float64(c.Used), float64(c.Duplicate), float64(c.Rejected)}, text})
	}
	sourcesTitle := "rows per source file, each bar its own file's rows"
	if dir != "" {
		sourcesTitle += " (in " + dir + ")"
	}
	encs := shownEncodings(append(rep.Output, rep.OutputSum))
	outRows := make([]stackRow, 0, len(rep.Output))
	var lines []outputLine
	for _, o := range append(rep.Output, rep.OutputSum) {
		vals := make([]float64, len(encs))
		l := outputLine{Set: o.Set, Kind: o.Kind, Files: o.Files, PrevFiles: "—", PrevIdentity: "—", PrevBr: "—"}
		for i, e := range encs {
			vals[i] = float64(o.Bytes[e])
			l.Bytes = append(l.Bytes, fmt.Sprint(o.Bytes[e]))
		}
		prev := o.Prev
		if o.Kind == "" {
			prev = rep.PrevOutput
		}
		if prev != nil {
			l.PrevFiles, l.PrevIdentity, l.PrevBr = fmt.Sprint(prev.Files), fmt.Sprint(prev.Bytes["identity"]), fmt.Sprint(prev.Bytes["br"])
		}
		lines = append(lines, l)
		if o.Kind != "" {
			// the variants' bytes, not a ratio: a group's Parquet and
			// Arrow files carry their own compression and have none
			text := bytesText(float64(o.Bytes["identity"]))
			for _, e := range encs[1:] {
				if o.Bytes[e] > 0 {
					text += ", " + e + " " + bytesText(float64(o.Bytes[e]))
				}
			}
			outRows = append(outRows, stackRow{o.Set, vals, text})
		}
	}
	var buf bytes.Buffer
	err = reportTemplate.Execute(&buf, map[string]any{
		"R":             rep,
		"Categories":    hbarChart("components per technology category", rep.Categories),
		"Years":         columnChart("components per delivery year", rep.Years),
		"Geocoded":      hbarChart("components located, by geocoding source", rep.Geocoded),
		"Unlocated":     hbarChart("components left off the map, by reason", rep.Unlocated),
		"RejectedBy":    hbarChart("rejected rows, by kind and reason", rep.RejectedBy),
		"SourcesChart":  stackChart(sourcesTitle, []string{"used", "duplicate", "rejected"}, srcRows, false, true),
		"SourcesDir":    dir,
		"OutputChart":   stackChart("bytes per set and encoding, each set its own scale", encs, outRows, true, true),
		"Encodings":     encs,
		"Output":        lines,
		"RejectedKinds": rejectedKinds(rep),
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(buf.Bytes())
}

// shownEncodings is Encodings less those no row has a byte of (a bake with
// no zstd variants shows no zstd column of zeros); identity always.
func shownEncodings(rows []OutputRow) []string {
	var out []string
	for _, e := range Encodings {
		for _, r := range rows {
			if e == "identity" || r.Bytes[e] > 0 {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// shortPaths strips the directory all paths share, for chart labels:
// "components_A.json" rather than the same long prefix on every row. dir is
// that directory ("" when they share none).
func shortPaths(paths []string) (dir string, short []string) {
	short = make([]string, len(paths))
	if len(paths) == 0 {
		return "", short
	}
	dir = path.Dir(filepath.ToSlash(paths[0]))
	for _, p := range paths[1:] {
		for dir != "." && dir != "/" && !strings.HasPrefix(filepath.ToSlash(p), dir+"/") {
			dir = path.Dir(dir)
		}
	}
	if dir == "." || dir == "/" {
		dir = ""
	}
	for i, p := range paths {
		short[i] = strings.TrimPrefix(filepath.ToSlash(p), dir+"/")
		if dir == "" {
			short[i] = filepath.ToSlash(p)
		}
	}
	return dir, short
}

// rejectedKind is one kind of row's rejected count, for the report's sentence.
type rejectedKind struct {
	Kind  string
	Count int
}

// rejectedKinds lists the kinds of row the bake read, in the order of the
// manifest's sources' kinds (components, cmus, postcodes), with their
// rejected rows.
func rejectedKinds(rep *Report) []rejectedKind {
	names := map[string]string{"components": "component rows", "cmus": "CMU rows", "postcodes": "postcode rows"}
	var out []rejectedKind
	for _, k := range []string{"components", "cmus", "postcodes"} {
		if _, ok := rep.RejectedByKind[k]; ok {
			out = append(out, rejectedKind{names[k], rep.RejectedByKind[k]})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(rep.RejectedByKind)) {
		if _, known := names[k]; !known {
			out = append(out, rejectedKind{k + " rows", rep.RejectedByKind[k]})
		}
	}
	return out
}

func (s *Server) serveReportJSON(w http.ResponseWriter, r *http.Request) {
	rep, err := s.BuildReport()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(rep)
}
