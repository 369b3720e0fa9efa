// Package bake is prebake's pipeline, readable top to bottom: read the sources,
// load the postcode tables, geocode, run every generator through one writer, and
// commit the manifest last.
package bake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prebake/prebake/internal/atomicfile"
	"github.com/prebake/prebake/internal/generators/cmu"
	"github.com/prebake/prebake/internal/generators/locations"
	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/generators/maptiles/boundaries"
	"github.com/prebake/prebake/internal/geocode"
	"github.com/prebake/prebake/internal/jsclient"
	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/source"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// Config is everything a bake needs to know.
type Config struct {
	Sources    []string // component and CMU register files; globs allowed
	Format     string   // force an input format; "" detects it from the content
	Postcodes  []string // postcode tables (Code-Point Open, ONSPD, postcode,lat,lng)
	Boundaries string   // optional polygon GeoJSON (DNO areas), EPSG:27700 or WGS84

	OutDir            string // where files go
	ManifestPath      string // where manifest.json goes
	ReportPath        string // JSON Lines report of rejected, unlocated and differing duplicate rows
	BaseURL           string // CDN prefix for every URL in the manifest
	DjangoStaticfiles string // optional staticfiles.json for Django's ManifestStaticFilesStorage

	// DBTimeout is a database source's statement timeout; 0 means
	// source.DefaultStatementTimeout.
	DBTimeout time.Duration

	Strict bool // any rejected row fails the build
	Force  bool // bake even when the inputs are those of the last bake (see unchanged.go)
	// AllowShrink lets a bake publish fewer rows than the manifest in force by
	// more than MaxShrink, no components at all, or a source that yields no row
	// (see checkShrink). Off, such a bake fails and the live one stays.
	AllowShrink     bool
	MaxShrink       float64 // fraction of the previous count a kind may lose; 0 means DefaultMaxShrink
	IncludeContacts bool    // publish the CMU register's contact columns
	Maptiles        maptiles.Options

	Generator manifest.Generator
	// Progress hears of each stage as it ends, with its wall time, and
	// StageStarted as it begins (the sources are read while the postcode
	// tables load, and two generators run at once, so two stages can be under
	// way); either nil: quiet. Stages: "read sources", "load
	// postcodes", "geocode", each generator, "generators" (all of them, ended
	// only), "manifest"; or "inputs unchanged" alone for a skipped bake.
	Progress     func(stage string, elapsed time.Duration)
	StageStarted func(stage string)
}

// Summary is what a bake reports, printed or as --json.
type Summary struct {
	BuildID    string `json:"build_id"`
	Manifest   string `json:"manifest"`
	OutDir     string `json:"out_dir"`
	Report     string `json:"report"`
	Synthetic  bool   `json:"synthetic"`
	Components int    `json:"components"`
	Located    int    `json:"located"`
	CMUs       int    `json:"cmus"`
	Postcodes  int    `json:"postcodes"`
	// DuplicatesDiffering counts duplicate component rows whose fields differ
	// from the row kept (each listed in the report as duplicate_differs).
	DuplicatesDiffering int `json:"duplicates_differing"`
	// ColumnDifferences counts, per column of the app's database that the app
	// edits by hand (technology, company_name, location), the rows where it
	// differs from the register row, which wins (each listed in the report as
	// column_differs). Absent without a database source.
	ColumnDifferences map[string]int `json:"column_differences,omitempty"`
	// AppPositions counts the app's stored positions by what became of them:
	// "used" (placed a component the row's own evidence could not), and the
	// reported ones, record.AppOutsideGB and record.AppDisagrees (each listed
	// in the report with status app_position). Absent without a database source.
	AppPositions map[string]int    `json:"app_positions,omitempty"`
	Sources      []manifest.Source `json:"sources"`
	Assets       int               `json:"assets"`
	TileSets     int               `json:"tilesets"`
	ShardSets    int               `json:"shardsets"`
	Seconds      float64           `json:"seconds"`
	// Stages is each pipeline stage's wall time, in this order: read sources,
	// load postcodes, geocode, then each generator (postcodes, map tiles, cmu
	// tables, locations, cmu details, boundaries; two run at once, so their times
	// overlap), then "generators" (the wall time of all of them together),
	// then changelog, then manifest.
	Stages []Stage `json:"stages"`
	// Unchanged is true when the inputs were those of the last bake into this
	// output directory and it was skipped: nothing was written.
	Unchanged bool `json:"unchanged"`
	// Reuse says, for the loading of the postcode tables and each generator,
	// in that order, whether the last bake's outputs were reused and why
	// (reuse.go). Absent when the whole bake was skipped (Unchanged).
	Reuse []Reuse `json:"reuse,omitempty"`
}

// Stage is one pipeline stage's wall time in seconds.
type Stage struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// Run bakes. On error nothing is committed: the previous manifest and its
// report stay valid. An output that would land on an input or another output
// is refused before anything is written (CheckPaths, a *PathError). The output directory is locked for the whole bake (see
// writer.Lock), so a prune cannot remove files the bake has placed.
func Run(cfg Config) (_ *Summary, err error) {
	start := time.Now()
	if cfg.OutDir == "" {
		cfg.OutDir = writer.DefaultOutDir
	}
	if err := CheckPaths(cfg); err != nil {
		return nil, err
	}
	release, err := writer.Lock(cfg.OutDir, "build")
	if err != nil {
		return nil, err
	}
	defer release()
	// A database's rows are known only once read: a bake with a database
	// source reads first, then decides whether its inputs are the last bake's.
	var res *source.Result
	var dbSources []manifest.Source
	var preRead time.Duration // counted in the "read sources" stage
	if slices.ContainsFunc(cfg.Sources, source.IsDatabase) {
		if res, err = readSources(cfg); err != nil {
			return nil, err
		}
		preRead = time.Since(start)
		for _, s := range res.Sources {
			if s.Format == source.FormatPostgres {
				dbSources = append(dbSources, s)
			}
		}
	}
	sums := fileSums{} // each input file hashed once in this bake
	skipped, key := skipUnchanged(cfg, start, dbSources, sums)
	if skipped != nil {
		return skipped, nil
	}
	// Each stage below that can be reused is, when its inputs are the last
	// bake's (reuse.go).
	ru, err := newReuser(cfg, sums)
	if err != nil {
		return nil, err
	}
	defer ru.abandon() // after remember, nothing to do
	var stages []Stage
	started := func(name string) {
		if cfg.StageStarted != nil {
			cfg.StageStarted(name)
		}
	}
	stage := stageTimer(func(name string, d time.Duration) {
		if name == "" {
			return
		}
		stages = append(stages, Stage{Name: name, Seconds: d.Seconds()})
		if cfg.Progress != nil {
			cfg.Progress(name, d)
		}
	})

	// timed adds a stage timed on its own (two ran at once), and restarts
	// the clock of the next.
	timed := func(name string, d time.Duration) {
		stages = append(stages, Stage{Name: name, Seconds: d.Seconds()})
		if cfg.Progress != nil {
			cfg.Progress(name, d)
		}
		stage("")
	}

	// 1. Read every register row (each ends used, duplicate or rejected)
	// and, at once, load the postcode tables: neither needs the other.
	var table *postcode.Table
	var pcSources []manifest.Source
	var pcDigest string // the postcode files' digest: an input of the stages that read them
	var pcErr error
	var pcTook time.Duration
	var pcPoints []record.PostcodePoint // the table's points, for the generators
	pcDone := make(chan struct{})
	if len(cfg.Postcodes) > 0 {
		if pcDigest, err = fileDigests(sums, cfg.Postcodes); err != nil {
			return nil, err
		}
		started("load postcodes")
		go func() {
			defer close(pcDone)
			t := time.Now()
			table, pcSources, pcErr = ru.loadPostcodes(cfg.Postcodes, pcDigest)
			if pcErr == nil {
				// Listed here, while the register is still being read:
				// after geocoding it would be on every bake's path.
				pcPoints = table.Points()
			}
			pcTook = time.Since(t)
		}()
	} else {
		close(pcDone)
	}
	started("read sources")
	readStart := time.Now()
	if res == nil {
		if res, err = readSources(cfg); err != nil {
			<-pcDone
			return nil, err
		}
	}
	// A failed bake's rows go to a report of its own: the one beside the
	// manifest describes the bake in force and is left alone.
	defer func() {
		if err != nil && cfg.ReportPath != "" {
			failed := FailedReportPath(cfg.ReportPath)
			if werr := writeReport(failed, res, ""); werr == nil {
				err = fmt.Errorf("%w\n(rejected and unlocated rows of this failed build: %s; %s still describes the bake in force)", err, failed, cfg.ReportPath)
			}
		}
	}()
	source.JoinCMUs(res.Components, res.CMUs)
	readTook := time.Since(readStart) + preRead
	<-pcDone
	timed("read sources", readTook)
	if cfg.Strict && len(res.Problems) > 0 {
		p := res.Problems[0]
		return nil, fmt.Errorf("--strict: %d rejected rows; first: %s record %d field %q: %s %s", len(res.Problems), p.File, p.Row, p.Field, p.Reason, p.Detail)
	}

	// 2. Offline geocoding, with the postcode tables.
	if pcErr != nil {
		return nil, pcErr
	}
	if len(cfg.Postcodes) > 0 {
		timed("load postcodes", pcTook)
	}
	pcAttribution, pcSynthetic, err := postcodeProvenance(pcSources)
	if err != nil {
		return nil, err
	}
	sources := append(append([]manifest.Source{}, res.Sources...), pcSources...)
	if !cfg.AllowShrink {
		if err := checkShrink(cfg, sources, len(res.Components)); err != nil {
			return nil, err
		}
	}
	started("geocode")
	geocode.Apply(res.Components, table)
	countGeocodes(res.Sources, res.Components)
	stage("geocode")

	// 3. Generators, all through one writer.
	w, err := writer.New(writer.Options{OutDir: cfg.OutDir, BaseURL: cfg.BaseURL})
	if err != nil {
		return nil, err
	}
	defer w.Close() // an abandoned bake removes its staging; after Commit it is a no-op
	synthetic := false
	for _, src := range sources {
		synthetic = synthetic || src.Synthetic
	}
	ds := &record.Dataset{Components: res.Components, CMUs: res.CMUs, Synthetic: res.Synthetic,
		PostcodesSynthetic: pcSynthetic, PostcodeAttribution: pcAttribution}
	if table != nil {
		ds.Postcodes = pcPoints
		// The generators read the points; the table (and its tens of
		// megabytes) is not needed after geocoding: kept for reuse already
		// (reuser.loadPostcodes).
		table = nil
	}
	// The generators read ds and write through w, and nothing else: two run
	// at once (see runGenerators), taken in this order, and the writer makes
	// the manifest independent of the order they finish in. Two, not one per
	// generator: each generator's working set (its features, tables and JSON
	// buffers) is live while it runs, so three at once peak well above two
	// for the same CPU, and two keep both cores of the build machine busy.
	// The CMU outputs are two generators so that the queue stays balanced:
	// as one, they were left running alone after the others had finished.
	cmuOpts := cmu.Options{IncludeContacts: cfg.IncludeContacts}
	locOpts := locations.Options{}
	pcs := locations.NewPostcodes(ds.Postcodes) // built once, for the two generators that read it
	// Each generator's inputs (reuse.go): exactly what it reads.
	register := registerDigest(ds)
	var mapRes mapResult
	var dno []boundaries.IndexEntry
	gen := func(name string, in map[string]string, result any, run func(w *writer.Writer) error) generator {
		return generator{name, func() error { return ru.generate(name, in, result, w, run) }}
	}
	gens := []generator{
		// The postcode files' outputs follow the postcode files alone (their
		// attribution and synthetic flag come from them too). First: the
		// longest of a real bake, so the queue ends balanced.
		gen("postcodes", map[string]string{inputPostcodes: pcDigest, inputOptions: digest(locOpts)}, nil, func(w *writer.Writer) error {
			_, err := locations.GeneratePostcodes(ds, pcs, w, locOpts)
			return err
		}),
		// The client that reads these tiles (and the location groups) goes with
		// them, as the asset js/prebake-client.mjs: a page loads the client its
		// files were baked for.
		gen("map tiles", map[string]string{inputRegister: register, inputOptions: digest(cfg.Maptiles)}, &mapRes, func(w *writer.Writer) error {
			sum, err := maptiles.Generate(ds, w, cfg.Maptiles)
			if err != nil {
				return err
			}
			mapRes = mapResult{Archive: sum.Archive, Attribution: sum.Attribution}
			return jsclient.Write(w)
		}),
		gen("cmu tables", map[string]string{inputRegister: register, inputOptions: digest(cmuOpts)}, nil, func(w *writer.Writer) error {
			return cmu.GenerateTables(ds, w, cmuOpts)
		}),
		gen("locations", map[string]string{inputRegister: register, inputPostcodes: pcDigest, inputOptions: digest(locOpts)}, nil, func(w *writer.Writer) error {
			_, err := locations.GenerateRegister(ds, pcs, w, locOpts)
			return err
		}),
		gen("cmu details", map[string]string{inputRegister: register, inputOptions: digest(cmuOpts)}, nil, func(w *writer.Writer) error {
			return cmu.GenerateDetails(ds, w, cmuOpts)
		}),
	}
	if cfg.Boundaries != "" {
		bdDigest, err := fileDigests(sums, []string{cfg.Boundaries})
		if err != nil {
			return nil, err
		}
		gens = append(gens, gen("boundaries", map[string]string{inputBoundaries: bdDigest, inputOptions: digest(boundaries.Options{})}, &dno, func(w *writer.Writer) error {
			var err error
			dno, err = boundaries.Generate(cfg.Boundaries, w, boundaries.Options{})
			return err
		}))
	}
	// The changelog's reading of the bake in force runs beside them (changelog.go).
	prev := readInForce(cfg)
	defer prev.wait()
	took, err := runGenerators(gens, 2, cfg.StageStarted, cfg.Progress)
	stages = append(stages, took...)
	if err != nil {
		return nil, err
	}
	// The map style names the archive and the boundary files: written once both are.
	bands := make([]maptiles.Band, len(dno))
	for i, b := range dno {
		bands[i] = maptiles.Band{MinZoom: b.MinZoom, MaxZoom: b.MaxZoom, URL: b.URL}
	}
	if _, err := maptiles.WriteStyle(w, mapRes.Archive, mapRes.Attribution, bands); err != nil {
		return nil, fmt.Errorf("map style: %w", err)
	}
	stage("") // restart the clock for the changelog stage; the generators' stages are in

	// 4. The changelog against the manifest this bake replaces (changelog.go).
	if err := writeChangelog(cfg, w, prev); err != nil {
		return nil, err
	}
	stage("changelog")

	// 5. The manifest, last; then the report beside it, naming its build.
	sources = append(append([]manifest.Source{}, res.Sources...), pcSources...)
	m := manifest.Manifest{Generator: cfg.Generator, Sources: sources, Synthetic: synthetic}
	started("manifest")
	if err := w.Commit(cfg.ManifestPath, m); err != nil {
		return nil, err
	}
	stage("manifest")
	written, err := manifest.Load(cfg.ManifestPath)
	if err != nil {
		return nil, err
	}
	if err := writeReport(cfg.ReportPath, res, written.BuildID); err != nil {
		return nil, err
	}
	if cfg.ReportPath != "" {
		os.Remove(FailedReportPath(cfg.ReportPath)) // an earlier failure's report is stale now
	}
	if cfg.DjangoStaticfiles != "" {
		if err := writer.WriteDjangoStaticfiles(cfg.DjangoStaticfiles, written); err != nil {
			return nil, err
		}
	}

	s := &Summary{
		BuildID: written.BuildID, Manifest: cfg.ManifestPath, OutDir: cfg.OutDir, Report: cfg.ReportPath,
		Synthetic: synthetic, Components: len(res.Components), CMUs: len(res.CMUs),
		Sources: written.Sources, Assets: len(written.Assets), TileSets: len(written.TileSets),
		ShardSets: len(written.ShardSets), Postcodes: len(ds.Postcodes), DuplicatesDiffering: len(res.Conflicts),
		Seconds: time.Since(start).Seconds(), Stages: stages,
	}
	for i := range res.Components {
		c := &res.Components[i]
		if c.Geo.Located {
			s.Located++
		}
		if c.App != nil {
			outcome := c.Geo.AppIssue
			if c.Geo.Source == record.GeoApp {
				outcome = "used"
			}
			if outcome != "" {
				if s.AppPositions == nil {
					s.AppPositions = map[string]int{}
				}
				s.AppPositions[outcome]++
			}
		}
	}
	for _, d := range res.ColumnDiffs {
		if s.ColumnDifferences == nil {
			s.ColumnDifferences = map[string]int{}
		}
		s.ColumnDifferences[d.Column]++
	}
	s.Reuse = ru.summary(gens)
	held, err := ru.remember(written.Sources)
	if err != nil {
		return nil, err
	}
	if key != "" && held { // not when an input changed while the bake ran
		if err := rememberBuild(cfg, key, s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// mapResult is what the map style needs of the map tiles generator, kept for
// reuse with its outputs.
type mapResult struct {
	Archive     *manifest.Asset `json:"archive,omitempty"`
	Attribution string          `json:"attribution,omitempty"`
}

// readSources reads every register source, files and databases.
func readSources(cfg Config) (*source.Result, error) {
	return source.ReadWith(cfg.Sources, cfg.Format, source.Options{StatementTimeout: cfg.DBTimeout})
}

// countGeocodes fills each source's geocoded-by-source and unlocated-by-reason counts.
func countGeocodes(sources []manifest.Source, comps []record.Component) {
	idx := map[string]*manifest.Source{}
	for i := range sources {
		idx[sources[i].Path] = &sources[i]
	}
	for i := range comps {
		c := &comps[i]
		src := idx[c.SourceFile]
		if src == nil {
			continue
		}
		if c.Geo.Located {
			if src.Counts.Geocoded == nil {
				src.Counts.Geocoded = map[string]int{}
			}
			src.Counts.Geocoded[c.Geo.Source+":"+c.Geo.Precision]++
		} else {
			if src.Counts.Unlocated == nil {
				src.Counts.Unlocated = map[string]int{}
			}
			src.Counts.Unlocated[c.Geo.Unlocated]++
		}
	}
}

// reportLine is one row of the JSON Lines report: a rejected or an unlocated
// row, a row whose grid reference was not used (status "grid_ref", reason a
// record.GridRef* constant, detail the parser's error or the distances), or a
// duplicate row whose fields differ from the row kept.
type reportLine struct {
	File   string `json:"file"`
	Row    int    `json:"row"`
	Status string `json:"status"` // "rejected", "unlocated", "grid_ref", "duplicate_differs", "column_differs" or "app_position"
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
	ID     int64  `json:"id,omitempty"`

	// duplicate_differs: the row kept (reason "first_read_wins": the first
	// row read with an _id is used, files in the order given, globs sorted),
	// and each differing field's value in the kept and in this dropped row.
	KeptFile string            `json:"kept_file,omitempty"`
	KeptRow  int               `json:"kept_row,omitempty"`
	Kept     map[string]string `json:"kept,omitempty"`
	Dropped  map[string]string `json:"dropped,omitempty"`
	// column_differs (reason "register_wins"): Kept holds the register
	// field's value, which is used, and Dropped the database column's.
	// BuildID is the build_id of the manifest this report describes ("" in the
	// report of a failed build), so a report can be matched to its manifest.
	BuildID string `json:"build_id,omitempty"`
}

// DefaultReportPath is where build writes the report when --report is not
// given, and where serve looks for it: prebake-report.jsonl beside the
// manifest.
func DefaultReportPath(manifestPath string) string {
	return filepath.Join(filepath.Dir(filepath.Clean(manifestPath)), "prebake-report.jsonl")
}

// FailedReportPath is where a failed build writes its report: beside the
// report of the bake in force, which it must not replace.
func FailedReportPath(report string) string {
	ext := filepath.Ext(report)
	return strings.TrimSuffix(report, ext) + ".failed" + ext
}

// writeReport writes the report at path, one JSON line per rejected, unlocated
// or differing duplicate row, sorted by file and row, replacing it atomically
// (atomicfile.Write).
func writeReport(path string, res *source.Result, buildID string) error {
	if path == "" {
		return nil
	}
	var lines []reportLine
	for _, p := range res.Problems {
		lines = append(lines, reportLine{File: p.File, Row: p.Row, Status: "rejected", Field: p.Field, Reason: p.Reason, Detail: p.Detail})
	}
	for _, cf := range res.Conflicts {
		l := reportLine{File: cf.File, Row: cf.Row, Status: "duplicate_differs", Reason: "first_read_wins", ID: cf.ID,
			Field: strings.Join(cf.Fields, ", "), KeptFile: cf.KeptFile, KeptRow: cf.KeptRow, Kept: map[string]string{}, Dropped: map[string]string{}}
		for i, f := range cf.Fields {
			l.Kept[f], l.Dropped[f] = cf.KeptValues[i], cf.Values[i]
		}
		lines = append(lines, l)
	}
	for _, d := range res.ColumnDiffs {
		lines = append(lines, reportLine{File: d.File, Row: d.Row, Status: "column_differs", Field: d.Column, Reason: "register_wins",
			Detail: fmt.Sprintf("database id %d: the app's column %s differs from the register row's %q, which is used", d.ID, d.Column, d.Field),
			Kept:   map[string]string{d.Field: d.Register}, Dropped: map[string]string{d.Column: d.Database}})
	}
	for i := range res.Components {
		c := &res.Components[i]
		// The app's stored position, not used or disagreeing (record.App*).
		if c.Geo.AppIssue != "" {
			lines = append(lines, reportLine{File: c.SourceFile, Row: c.SourceRow, Status: "app_position", Field: "latitude, longitude", Reason: c.Geo.AppIssue, ID: c.ID, Detail: c.Geo.AppDetail})
		}
		if !c.Geo.Located {
			lines = append(lines, reportLine{File: c.SourceFile, Row: c.SourceRow, Status: "unlocated", Reason: c.Geo.Unlocated, ID: c.ID, Detail: locationDetail(c)})
		}
		// A grid reference the geocoder could not use, or had to repair, so the
		// operator can correct the register (the row itself is counted above).
		if c.Geo.GridRefIssue != "" {
			lines = append(lines, reportLine{File: c.SourceFile, Row: c.SourceRow, Status: "grid_ref", Field: "OS Grid Reference", Reason: c.Geo.GridRefIssue, ID: c.ID, Detail: c.Geo.GridRefDetail})
		}
	}
	for i := range lines {
		lines[i].BuildID = buildID
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if lines[i].File != lines[j].File {
			return lines[i].File < lines[j].File
		}
		return lines[i].Row < lines[j].Row
	})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return atomicfile.Write(path, buf.Bytes())
}

func locationDetail(c *record.Component) string {
	switch {
	case c.GridRef != "" && c.Location != "":
		return c.GridRef + " | " + c.Location
	case c.GridRef != "":
		return c.GridRef
	}
	return c.Location
}

func stageTimer(progress func(string, time.Duration)) func(string) {
	last := time.Now()
	return func(name string) {
		if progress != nil {
			progress(name, time.Since(last))
		}
		last = time.Now()
	}
}

// skipUnchanged returns the last bake's summary when this bake's inputs are its
// inputs (see unchanged.go), and the input key to remember after a full bake.
func skipUnchanged(cfg Config, start time.Time, db []manifest.Source, sums fileSums) (*Summary, string) {
	key, err := inputKey(cfg, db, sums)
	if err != nil {
		return nil, "" // an unreadable input: the bake says which
	}
	if cfg.Force {
		return nil, key
	}
	s := unchanged(cfg, key)
	if s == nil {
		return nil, key
	}
	d := time.Since(start)
	if cfg.Progress != nil {
		cfg.Progress("inputs unchanged", d)
	}
	s.Unchanged, s.Seconds, s.Stages, s.Reuse = true, d.Seconds(), []Stage{{Name: "inputs unchanged", Seconds: d.Seconds()}}, nil
	return s, key
}
