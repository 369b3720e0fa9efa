package serve

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
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
	srcRows := make([]stackRow, 0, len(rep.Sources))
	for _, src := range rep.Sources {
		c := src.Counts
		srcRows = append(srcRows, stackRow{src.Path, []float64{float64(c.Used), float64(c.Duplicate), float64(c.Rejected)}})
	}
	outRows := make([]stackRow, 0, len(rep.Output))
	var lines []outputLine
	for _, o := range append(rep.Output, rep.OutputSum) {
		vals := make([]float64, len(Encodings))
		l := outputLine{Set: o.Set, Kind: o.Kind, Files: o.Files, PrevFiles: "—", PrevIdentity: "—", PrevBr: "—"}
		for i, e := range Encodings {
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
			outRows = append(outRows, stackRow{o.Set, vals})
		}
	}
	var buf bytes.Buffer
	err = reportTemplate.Execute(&buf, map[string]any{
		"R":            rep,
		"Categories":   hbarChart("components per technology category", rep.Categories),
		"Years":        columnChart("components per delivery year", rep.Years),
		"Geocoded":     hbarChart("components located, by geocoding source", rep.Geocoded),
		"Unlocated":    hbarChart("components left off the map, by reason", rep.Unlocated),
		"RejectedBy":   hbarChart("rejected rows, by reason", rep.RejectedBy),
		"SourcesChart": stackChart("rows per source file", []string{"used", "duplicate", "rejected"}, srcRows, false),
		"OutputChart":  stackChart("bytes per set and encoding", Encodings, outRows, true),
		"Output":       lines,
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(buf.Bytes())
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
