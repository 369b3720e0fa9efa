package serve

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/prebake/prebake/internal/changes"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// Report is what the bake report page shows, also served as JSON at
// /_prebake/report.json. Prev fields hold the previous bake's figures (the
// newest older manifest in the writer's history, and the files it names that
// are still on disk); they are absent when there is no previous bake.
type Report struct {
	Build    Build  `json:"build"`
	Previous *Build `json:"previous,omitempty"`

	Totals     Counts  `json:"totals"` // over every components source
	PrevTotals *Counts `json:"prev_totals,omitempty"`

	Sources    []SourceRow `json:"sources"`
	Categories []Bar       `json:"categories"` // components per technology category (cmu/statistics.json)
	Years      []Bar       `json:"years"`      // components per delivery year
	Geocoded   []Bar       `json:"geocoded"`   // used components located, by geocoding source
	Unlocated  []Bar       `json:"unlocated"`  // used components left off the map, by reason
	// RejectedBy counts the rejected rows of every source, components, CMU
	// rows and postcodes alike, by "<kind>: <reason>"; RejectedByKind and
	// RejectedAll sum them (RejectedTotal below is only what the JSON Lines
	// report lists: the register's rows, not the postcode table's).
	RejectedBy     []Bar          `json:"rejected_by"`
	RejectedByKind map[string]int `json:"rejected_by_kind"`
	RejectedAll    int            `json:"rejected_all"`

	Rejected      []ReportRow `json:"rejected"`       // rejected rows from prebake-report.jsonl (at most MaxRejectedRows)
	RejectedTotal int         `json:"rejected_total"` // rejected rows in prebake-report.jsonl
	ReportFile    string      `json:"report_file"`    // the JSON Lines report read, "" when absent

	Output     []OutputRow `json:"output"` // files and bytes per set, by encoding
	OutputSum  OutputRow   `json:"output_sum"`
	PrevOutput *OutputRow  `json:"prev_output_sum,omitempty"`

	// Changes is the bake's changelog against the bake it replaced
	// (changes/latest.json, docs/changes.md): its counts and largest movers;
	// nil when the bake has none.
	Changes *ChangesReport `json:"changes,omitempty"`

	Notes []string `json:"notes,omitempty"` // what could not be shown, and why
}

// ChangesReport is what the report shows of changes/latest.json.
type ChangesReport struct {
	Asset          string          `json:"asset"` // the file's path, for the preview map and a reader
	OldBuildID     *string         `json:"old_build_id"`
	NewBuildID     string          `json:"new_build_id"`
	AgainstNothing bool            `json:"against_nothing"`
	Note           string          `json:"note,omitempty"`
	RegionKind     string          `json:"region_kind"`
	Summary        changes.Summary `json:"summary"`
	// LargestMovers are the first MaxMovers moves (the changelog lists them
	// largest first).
	LargestMovers []changes.Move `json:"largest_movers"`
	// Regions is the region rollup, as the changelog sorts it.
	Regions []changes.Roll `json:"regions"`
}

// MaxMovers bounds ChangesReport.LargestMovers.
const MaxMovers = 10

// MaxRejectedRows bounds the rejected rows listed (the counts cover all).
const MaxRejectedRows = 1000

// Build identifies a bake.
type Build struct {
	ID        string `json:"build_id"`
	Created   string `json:"created"`
	Generator string `json:"generator"`
	Synthetic bool   `json:"synthetic"`
}

// Counts sums SourceCounts over sources.
type Counts struct {
	Read, Used, Duplicate, Rejected, Geocoded, Unlocated int
}

// SourceRow is one input file with its counts, and the previous bake's for the
// same path.
type SourceRow struct {
	Path   string                 `json:"path"`
	Kind   string                 `json:"kind"`
	Format string                 `json:"format"`
	Counts manifest.SourceCounts  `json:"counts"`
	Prev   *manifest.SourceCounts `json:"prev,omitempty"`
}

// Bar is one labelled figure of a chart; Prev is the previous bake's.
type Bar struct {
	Label string   `json:"label"`
	Value float64  `json:"value"`
	Prev  *float64 `json:"prev,omitempty"`
}

// ReportRow is one line of prebake-report.jsonl.
type ReportRow struct {
	File   string `json:"file"`
	Row    int    `json:"row"`
	Status string `json:"status"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
	ID     int64  `json:"id,omitempty"`
}

// OutputRow is one set of output files: a tile set, a shard set, or the assets
// under one logical directory. Bytes maps "identity", "br", "gzip", "zstd" to
// the bytes of the originals and of each variant.
type OutputRow struct {
	Set   string           `json:"set"`
	Kind  string           `json:"kind"` // "tileset", "shardset", "assets" or "" for a sum
	Files int              `json:"files"`
	Bytes map[string]int64 `json:"bytes"`
	Prev  *OutputRow       `json:"prev,omitempty"`
}

// Encodings is the order the report lists representations in.
var Encodings = []string{"identity", "br", "gzip", "zstd"}

// BuildReport gathers the report for the live manifest.
func (s *Server) BuildReport() (*Report, error) {
	m, err := s.manifest()
	if err != nil {
		return nil, err
	}
	r := &Report{Build: buildOf(m)}
	prev, note := s.previous(m)
	if note != "" {
		r.Notes = append(r.Notes, note)
	}
	if prev != nil {
		b := buildOf(prev)
		r.Previous = &b
	}

	// Sources and their totals.
	var prevSources map[string]manifest.SourceCounts
	if prev != nil {
		prevSources = map[string]manifest.SourceCounts{}
		for _, src := range prev.Sources {
			prevSources[src.Path] = src.Counts
		}
	}
	geo, unl, rej := map[string]float64{}, map[string]float64{}, map[string]float64{}
	r.RejectedByKind = map[string]int{}
	for _, src := range m.Sources {
		row := SourceRow{Path: src.Path, Kind: src.Kind, Format: src.Format, Counts: src.Counts}
		if c, ok := prevSources[src.Path]; ok {
			row.Prev = &c
		}
		r.Sources = append(r.Sources, row)
		if src.Kind == "components" {
			addCounts(&r.Totals, src.Counts)
			addAll(geo, src.Counts.Geocoded)
			addAll(unl, src.Counts.Unlocated)
		}
		addRejected(rej, src)
		r.RejectedByKind[src.Kind] += src.Counts.Rejected
		r.RejectedAll += src.Counts.Rejected
	}
	var pgeo, punl, prej map[string]float64
	if prev != nil {
		r.PrevTotals = &Counts{}
		pgeo, punl, prej = map[string]float64{}, map[string]float64{}, map[string]float64{}
		for _, src := range prev.Sources {
			if src.Kind == "components" {
				addCounts(r.PrevTotals, src.Counts)
				addAll(pgeo, src.Counts.Geocoded)
				addAll(punl, src.Counts.Unlocated)
			}
			addRejected(prej, src)
		}
	}
	r.Geocoded, r.Unlocated, r.RejectedBy = bars(geo, pgeo, false), bars(unl, punl, false), bars(rej, prej, false)

	// Categories and years from the bake's statistics.
	cats, years, err := s.statistics(m)
	if err != nil {
		r.Notes = append(r.Notes, err.Error())
	}
	var pcats, pyears map[string]float64
	if prev != nil {
		pcats, pyears, err = s.statistics(prev)
		if err != nil {
			r.Notes = append(r.Notes, "previous bake: "+err.Error())
		}
	}
	r.Categories, r.Years = bars(cats, pcats, false), bars(years, pyears, true)

	// The changelog against the previous bake.
	if c, err := s.changes(m); err != nil {
		r.Notes = append(r.Notes, err.Error())
	} else {
		r.Changes = c
	}

	// Rejected rows.
	if err := s.readReportRows(r); err != nil {
		r.Notes = append(r.Notes, err.Error())
	}

	// Output files.
	r.Output, r.OutputSum = s.output(m)
	if prev != nil {
		prevRows, prevSum := s.output(prev)
		byName := map[string]OutputRow{}
		for _, p := range prevRows {
			byName[p.Kind+"\x00"+p.Set] = p
		}
		for i := range r.Output {
			if p, ok := byName[r.Output[i].Kind+"\x00"+r.Output[i].Set]; ok {
				r.Output[i].Prev = &p
			}
		}
		r.PrevOutput = &prevSum
	}
	return r, nil
}

func buildOf(m *manifest.Manifest) Build {
	return Build{ID: m.BuildID, Created: m.Created, Generator: m.Generator.Name + " " + m.Generator.Version, Synthetic: m.Synthetic}
}

func addCounts(t *Counts, c manifest.SourceCounts) {
	t.Read += c.Read
	t.Used += c.Used
	t.Duplicate += c.Duplicate
	t.Rejected += c.Rejected
	for _, n := range c.Geocoded {
		t.Geocoded += n
	}
	for _, n := range c.Unlocated {
		t.Unlocated += n
	}
}

// addRejected adds a source's rejected rows by "<kind>: <reason>"; a count
// without reasons (none should have) is "<kind>: unknown", so the bars
// always sum to the rows rejected.
func addRejected(dst map[string]float64, src manifest.Source) {
	named := 0
	for reason, n := range src.Counts.RejectedBy {
		dst[src.Kind+": "+reason] += float64(n)
		named += n
	}
	if rest := src.Counts.Rejected - named; rest > 0 {
		dst[src.Kind+": unknown"] += float64(rest)
	}
}

func addAll(dst map[string]float64, src map[string]int) {
	for k, v := range src {
		dst[k] += float64(v)
	}
}

// bars lists every label of cur and prev (a label only the previous bake had
// shows as 0 now), by label when byLabel, else largest first.
func bars(cur, prev map[string]float64, byLabel bool) []Bar {
	labels := map[string]bool{}
	for k := range cur {
		labels[k] = true
	}
	for k := range prev {
		labels[k] = true
	}
	out := make([]Bar, 0, len(labels))
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		b := Bar{Label: k, Value: cur[k]}
		if prev != nil {
			p := prev[k]
			b.Prev = &p
		}
		out = append(out, b)
	}
	if !byLabel {
		sort.SliceStable(out, func(i, j int) bool { return out[i].Value > out[j].Value })
	}
	return out
}

// previous loads the build committed before m in the writer's history (in
// commit order, writer.HistoryName): the entry after m's newest one, or the
// newest entry when m is not in the history; another entry of m's own build
// is skipped.
func (s *Server) previous(m *manifest.Manifest) (*manifest.Manifest, string) {
	dir := writer.HistoryDir(s.opts.OutDir)
	entries, err := writer.ReadHistory(s.opts.OutDir)
	if err != nil {
		return nil, err.Error()
	}
	if len(entries) == 0 {
		return nil, "no manifest history in " + dir + ": no previous bake to compare with"
	}
	if i := slices.IndexFunc(entries, func(e writer.HistoryEntry) bool { return e.BuildID == m.BuildID }); i >= 0 {
		entries = entries[i:]
	}
	i := slices.IndexFunc(entries, func(e writer.HistoryEntry) bool { return e.BuildID != m.BuildID })
	if i < 0 {
		return nil, "the manifest history holds no bake older than this one"
	}
	pm, err := manifest.Load(filepath.Join(dir, entries[i].Name))
	if err != nil {
		return nil, "previous bake: " + err.Error()
	}
	return pm, ""
}

// statistics reads components per category and per delivery year from the
// bake's cmu/statistics.json (the app's statistics_page_data).
func (s *Server) statistics(m *manifest.Manifest) (cats, years map[string]float64, err error) {
	a, ok := m.Assets["cmu/statistics.json"]
	if !ok {
		return nil, nil, fmt.Errorf("the bake %s has no cmu/statistics.json: no counts per category and year", m.BuildID)
	}
	var data []byte
	f, err := s.open(a.Path)
	if err == nil {
		data, err = io.ReadAll(f)
		f.Close()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("bake %s: %w", m.BuildID, err)
	}
	var st struct {
		ByCategory map[string]float64 `json:"components_by_category"`
		ByYear     []struct {
			Year  string  `json:"delivery_year"`
			Count float64 `json:"count"`
		} `json:"components_by_year"`
		WithoutYear float64 `json:"components_without_year"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", a.Path, err)
	}
	cats, years = map[string]float64{}, map[string]float64{}
	for c, n := range st.ByCategory {
		if n > 0 {
			cats[c] = n
		}
	}
	for _, y := range st.ByYear {
		years[y.Year] += y.Count
	}
	if st.WithoutYear > 0 {
		years["none"] = st.WithoutYear
	}
	return cats, years, nil
}

// changes reads the bake's changes/latest.json.
func (s *Server) changes(m *manifest.Manifest) (*ChangesReport, error) {
	a, ok := m.Assets[changes.LatestAsset]
	if !ok {
		return nil, fmt.Errorf("the bake %s has no %s: no changelog (a bake older than changelogs)", m.BuildID, changes.LatestAsset)
	}
	var data []byte
	f, err := s.open(a.Path) // regular files only, as every read of the bake
	if err == nil {
		data, err = io.ReadAll(f)
		f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("bake %s: %w", m.BuildID, err)
	}
	var c changes.Changelog
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", a.Path, err)
	}
	if c.Format != changes.Format {
		return nil, fmt.Errorf("%s: format %q, this prebake reads %q", a.Path, c.Format, changes.Format)
	}
	movers := c.Components.Moved[:min(MaxMovers, len(c.Components.Moved))]
	return &ChangesReport{Asset: a.Path, OldBuildID: c.OldBuildID, NewBuildID: c.NewBuildID, AgainstNothing: c.AgainstNothing,
		Note: c.Note, RegionKind: c.RegionKind, Summary: c.Summary, LargestMovers: movers, Regions: c.Rollups["region"]}, nil
}

// readReportRows lists the rejected rows of the report file. Every line of a
// report names the build it describes (build_id, as build writes it); a
// report of another build (a failed build's, or one left beside another
// manifest) is not listed, and the note says whose it is.
func (s *Server) readReportRows(r *Report) error {
	if s.opts.ReportPath == "" {
		return errors.New("no report file given: rejected rows are not listed")
	}
	f, err := openRegular(s.opts.ReportPath)
	if err != nil {
		return fmt.Errorf("rejected rows are not listed: %w", err)
	}
	defer f.Close()
	var rows []ReportRow
	total := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var row struct {
			ReportRow
			BuildID string `json:"build_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return fmt.Errorf("%s line %d: %w", s.opts.ReportPath, line, err)
		}
		if row.BuildID != r.Build.ID {
			return fmt.Errorf("rejected rows are not listed: %s line %d is of build %q, not this bake's %s (a report of another build)",
				s.opts.ReportPath, line, row.BuildID, r.Build.ID)
		}
		if row.Status != "rejected" {
			continue
		}
		total++
		if len(rows) < MaxRejectedRows {
			rows = append(rows, row.ReportRow)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", s.opts.ReportPath, err)
	}
	r.ReportFile, r.Rejected, r.RejectedTotal = s.opts.ReportPath, rows, total
	return nil
}

// output sums the files and bytes of every set of m, by encoding: tile and
// shard sets from their directories on disk (every file and variant), assets
// grouped by their logical directory from the manifest.
func (s *Server) output(m *manifest.Manifest) ([]OutputRow, OutputRow) {
	var rows []OutputRow
	for _, n := range slices.Sorted(maps.Keys(m.TileSets)) {
		t := m.TileSets[n]
		if t.Format == "pmtiles" {
			continue // a single file, listed with the maptiles assets
		}
		rows = append(rows, s.setRow(n, "tileset", t.Path, t.Files, t.Bytes))
	}
	for _, n := range slices.Sorted(maps.Keys(m.ShardSets)) {
		sh := m.ShardSets[n]
		rows = append(rows, s.setRow(n, "shardset", sh.Path, sh.Files, sh.Bytes))
	}
	groups := map[string]*OutputRow{}
	for n, a := range m.Assets {
		g := path.Dir(n)
		row := groups[g]
		if row == nil {
			row = &OutputRow{Set: g + "/*", Kind: "assets", Bytes: map[string]int64{}}
			groups[g] = row
		}
		row.Files++
		row.Bytes["identity"] += a.Size
		for enc, v := range a.Encodings {
			row.Bytes[enc] += v.Size
		}
	}
	for _, g := range slices.Sorted(maps.Keys(groups)) {
		rows = append(rows, *groups[g])
	}
	sum := OutputRow{Set: "all", Bytes: map[string]int64{}}
	for _, r := range rows {
		sum.Files += r.Files
		for k, v := range r.Bytes {
			sum.Bytes[k] += v
		}
	}
	return rows, sum
}

// setRow counts a set's variants on disk; the originals' count and bytes come
// from the manifest (the disk may hold a set only partly when pruned).
func (s *Server) setRow(name, kind, dir string, files int, bytes int64) OutputRow {
	row := OutputRow{Set: name, Kind: kind, Files: files, Bytes: map[string]int64{"identity": bytes}}
	_ = fs.WalkDir(s.root.FS(), dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil // a missing set shows its variants as 0
		}
		for _, c := range writer.KnownCodecs {
			if strings.HasSuffix(p, c.Suffix) {
				if fi, err := d.Info(); err == nil {
					row.Bytes[c.Name] += fi.Size()
				}
			}
		}
		return nil
	})
	return row
}
