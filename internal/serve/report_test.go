package serve

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/changes"
	"github.com/prebake/prebake/internal/sample"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

func TestReport(t *testing.T) {
	s, ts := newTestServer(t)
	r, err := s.BuildReport()
	if err != nil {
		t.Fatal(err)
	}
	if r.Build.ID != fx.m.BuildID || r.Previous == nil || r.Previous.ID != fx.prevID {
		t.Fatalf("build %s previous %+v; want %s after %s", r.Build.ID, r.Previous, fx.m.BuildID, fx.prevID)
	}
	// Totals: every components row of the manifest's sources, read = used + duplicate + rejected.
	var read, used int
	for _, src := range fx.m.Sources {
		if src.Kind == "components" {
			read += src.Counts.Read
			used += src.Counts.Used
		}
	}
	tot := r.Totals
	if tot.Read != read || tot.Used != used || tot.Used != liveComponents || tot.Read != tot.Used+tot.Duplicate+tot.Rejected ||
		tot.Used != tot.Geocoded+tot.Unlocated {
		t.Errorf("totals %+v: want read %d, used %d = geocoded + unlocated", tot, read, used)
	}
	if r.PrevTotals == nil || r.PrevTotals.Used != prevComponents {
		t.Errorf("previous totals %+v, want %d used", r.PrevTotals, prevComponents)
	}
	sum := func(bars []Bar) (now, prev float64) {
		for _, b := range bars {
			now += b.Value
			if b.Prev != nil {
				prev += *b.Prev
			}
		}
		return
	}
	for name, tc := range map[string]struct {
		bars      []Bar
		now, prev float64
	}{
		"categories": {r.Categories, liveComponents, prevComponents},
		"years":      {r.Years, liveComponents, prevComponents},
		"geocoded":   {r.Geocoded, float64(tot.Geocoded), float64(r.PrevTotals.Geocoded)},
		"unlocated":  {r.Unlocated, float64(tot.Unlocated), float64(r.PrevTotals.Unlocated)},
		"rejected":   {r.RejectedBy, sample.DeliberateRejects + postcodeRejects, sample.DeliberateRejects},
	} {
		if now, prev := sum(tc.bars); now != tc.now || prev != tc.prev {
			t.Errorf("%s sum to %v (previous %v), want %v (%v)", name, now, prev, tc.now, tc.prev)
		}
	}
	// Every kind of rejected row is counted, postcodes included, as the
	// manifest's sources count them.
	rejAll, rejKind := 0, map[string]int{}
	for _, src := range fx.m.Sources {
		rejAll += src.Counts.Rejected
		rejKind[src.Kind] += src.Counts.Rejected
	}
	if rejKind["postcodes"] != postcodeRejects || rejKind["components"] != sample.DeliberateRejects ||
		r.RejectedAll != rejAll || !reflect.DeepEqual(r.RejectedByKind, rejKind) {
		t.Errorf("rejected rows %d by kind %v; the manifest's sources: %d, %v (want %d postcodes)", r.RejectedAll, r.RejectedByKind, rejAll, rejKind, postcodeRejects)
	}
	for _, b := range r.RejectedBy {
		if !strings.Contains(b.Label, ": ") {
			t.Errorf("rejected bar %q does not say its kind", b.Label)
		}
	}
	// Rejected rows: those of prebake-report.jsonl, read independently here.
	f, err := os.Open(fx.report)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []ReportRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row ReportRow
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		if row.Status == "rejected" {
			want = append(want, row)
		}
	}
	if len(want) != sample.DeliberateRejects || r.RejectedTotal != len(want) || len(r.Rejected) != len(want) {
		t.Fatalf("rejected rows: report %d (listed %d), file %d, want %d", r.RejectedTotal, len(r.Rejected), len(want), sample.DeliberateRejects)
	}
	for i := range want {
		if r.Rejected[i] != want[i] || want[i].Reason == "" {
			t.Errorf("rejected row %d: %+v, want %+v with a reason", i, r.Rejected[i], want[i])
		}
	}
	// Output bytes: the originals as the manifest counts them; the variants as on disk.
	var identity int64
	files := 0
	for _, a := range fx.m.Assets {
		identity += a.Size
		files++
	}
	for _, ts := range fx.m.TileSets {
		if ts.Format != "pmtiles" {
			identity += ts.Bytes
			files += ts.Files
		}
	}
	for _, ss := range fx.m.ShardSets {
		identity += ss.Bytes
		files += ss.Files
	}
	if r.OutputSum.Bytes["identity"] != identity || r.OutputSum.Files != files {
		t.Errorf("output sum %d files %d bytes, manifest %d files %d bytes", r.OutputSum.Files, r.OutputSum.Bytes["identity"], files, identity)
	}
	for _, o := range r.Output {
		// A tile set of one empty file (a layer whose default view shows no
		// component) has no variant: it would not be smaller.
		if o.Kind == "tileset" && o.Bytes["identity"] > 1024 && (o.Bytes["br"] == 0 || o.Bytes["br"] >= o.Bytes["identity"]) {
			t.Errorf("%s: br %d bytes for %d original bytes", o.Set, o.Bytes["br"], o.Bytes["identity"])
		}
	}
	if r.PrevOutput == nil || r.PrevOutput.Files == 0 {
		t.Error("no previous output figures")
	}

	// The page: charts, not only tables.
	res, body := get(t, "GET", ts.URL+"/_prebake/report")
	page := string(body)
	if res.StatusCode != 200 || strings.Count(page, `<svg class="chart"`) < 7 || !strings.Contains(page, fx.prevID) ||
		strings.Count(page, "<rect class=\"bar prev\"") == 0 {
		t.Errorf("report page: status %d, %d charts, previous bake named: %v, previous bars %d", res.StatusCode,
			strings.Count(page, `<svg class="chart"`), strings.Contains(page, fx.prevID), strings.Count(page, "<rect class=\"bar prev\""))
	}
	// The page says the same count wherever it counts rejected rows.
	if !strings.Contains(page, fmt.Sprintf("<b>%d rejected rows</b>", rejAll)) || strings.Contains(page, "No rejected rows") ||
		strings.Contains(page, "rejected rows, by kind and reason: none") {
		t.Errorf("report page does not say %d rejected rows, or says none", rejAll)
	}
	checkChartScales(t, page)
	// An encoding no file has gets no column: this bake wrote no zstd.
	if r.OutputSum.Bytes["zstd"] != 0 {
		t.Fatalf("the fixture has zstd variants (%d bytes); the next check needs a bake without", r.OutputSum.Bytes["zstd"])
	}
	if strings.Contains(page, "<th>zstd</th>") || !strings.Contains(page, "<th>br</th>") || !strings.Contains(page, "<th>gzip</th>") {
		t.Error("the output table's columns: want br and gzip, no zstd column of zeros")
	}
	for _, w := range want {
		if !strings.Contains(page, html.EscapeString(w.Detail)) {
			t.Errorf("report page does not list rejected row %s:%d (%s)", w.File, w.Row, w.Detail)
		}
	}
	res, body = get(t, "GET", ts.URL+"/_prebake/report.json")
	var back Report
	if res.StatusCode != 200 || json.Unmarshal(body, &back) != nil || back.Build.ID != r.Build.ID {
		t.Errorf("report.json: status %d, %.100s", res.StatusCode, body)
	}
}

// checkChartScales: in the per-source chart every row's bar spans the full
// width, the register files' as much as the postcode table's, however many
// rows each has (one axis for all made a small file's bar a pixel wide).
func checkChartScales(t *testing.T, page string) {
	t.Helper()
	i := strings.Index(page, `aria-label="rows per source file`)
	if i < 0 {
		t.Fatal("no per-source chart")
	}
	svg := page[i : i+strings.Index(page[i:], "</svg>")]
	widths := map[string]float64{} // bar y -> summed width
	for _, m := range regexp.MustCompile(`<rect class="bar" x="[\d.]+" y="([\d.]+)" width="([\d.]+)"`).FindAllStringSubmatch(svg, -1) {
		w, _ := strconv.ParseFloat(m[2], 64)
		widths[m[1]] += w
	}
	if len(widths) != len(fx.m.Sources) {
		t.Errorf("per-source chart: %d rows, want %d", len(widths), len(fx.m.Sources))
	}
	for y, w := range widths {
		if math.Abs(w-360) > 0.5 {
			t.Errorf("per-source chart: the row at y %s is %.1f px wide, want the full 360", y, w)
		}
	}
}

func TestChartText(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{num(3), "3"}, {num(2.5), "2.5"}, {num(18661.167), "18661.167"}, {num(0.1 + 0.2), "0.3"},
		{delta(5, 3), "(+2)"}, {delta(3, 5), "(−2)"}, {delta(4, 4), "(=)"},
		{bytesText(512), "512 B"}, {bytesText(1536), "1.5 KiB"}, {bytesText(3 << 20), "3.00 MiB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	svg := string(hbarChart("t", []Bar{{Label: "<a&b>", Value: 2}}))
	if strings.Contains(svg, "<a&b>") || !strings.Contains(svg, "&lt;a&amp;b&gt;") {
		t.Errorf("labels are not escaped: %s", svg)
	}
}

// fixtureChangelog is the live fixture bake's changes/latest.json, read from disk.
func fixtureChangelog(t *testing.T) *changes.Changelog {
	t.Helper()
	fixture(t)
	a, ok := fx.m.Assets[changes.LatestAsset]
	if !ok {
		t.Fatalf("the fixture bake has no %s", changes.LatestAsset)
	}
	data, err := os.ReadFile(filepath.Join(fx.out, a.Path))
	if err != nil {
		t.Fatal(err)
	}
	var c changes.Changelog
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// TestReportChanges: the report carries the live bake's changelog against
// the previous fixture bake (the one it replaced): the counts, the largest
// movers and the region rollup, equal to the changelog Compare makes from the
// two bakes' tables, and the page shows them.
func TestReportChanges(t *testing.T) {
	s, ts := newTestServer(t)
	r, err := s.BuildReport()
	if err != nil {
		t.Fatal(err)
	}
	c := r.Changes
	if c == nil || c.AgainstNothing || c.OldBuildID == nil || *c.OldBuildID != fx.prevID || c.NewBuildID != fx.m.BuildID {
		t.Fatalf("report changes %+v, want against %s", c, fx.prevID)
	}
	// The previous bake, from the writer's history, and Compare of the two.
	entries, _ := os.ReadDir(writer.HistoryDir(fx.out))
	var prev *manifest.Manifest
	for _, e := range entries {
		m, err := manifest.Load(filepath.Join(writer.HistoryDir(fx.out), e.Name()))
		if err == nil && m.BuildID == fx.prevID {
			prev = m
		}
	}
	if prev == nil {
		t.Fatal("the previous bake is not in the history")
	}
	old, err := changes.Load(prev, fx.out)
	if err != nil {
		t.Fatal(err)
	}
	nw, err := changes.Load(fx.m, fx.out)
	if err != nil {
		t.Fatal(err)
	}
	want := changes.Compare(old, nw)
	if c.Summary != want.Summary || c.Summary.Touched == 0 {
		t.Errorf("report summary %+v, Compare %+v", c.Summary, want.Summary)
	}
	wantMovers := want.Components.Moved[:min(MaxMovers, len(want.Components.Moved))]
	if !reflect.DeepEqual(c.LargestMovers, wantMovers) || !reflect.DeepEqual(c.Regions, want.Rollups["region"]) {
		t.Errorf("largest movers or regions differ from Compare's")
	}
	wantKind := changes.RegionPostcode
	if fx.boundaries {
		wantKind = changes.RegionDNO
	}
	if c.RegionKind != wantKind {
		t.Errorf("region kind %s, want %s", c.RegionKind, wantKind)
	}
	_, body := get(t, "GET", ts.URL+"/_prebake/report")
	page := string(body)
	for _, s := range []string{`id="changes-counts"`, fmt.Sprintf("<td>%d</td><td>%d</td><td>%d</td>", c.Summary.Added, c.Summary.Removed, c.Summary.Changed), *c.OldBuildID} {
		if !strings.Contains(page, s) {
			t.Errorf("the report page lacks %q", s)
		}
	}
	if len(c.LargestMovers) > 0 && !strings.Contains(page, `id="movers"`) {
		t.Error("the report page lacks the movers table")
	}
}
