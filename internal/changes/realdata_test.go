package changes_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prebake/prebake/internal/bake"
	"github.com/prebake/prebake/internal/changes"
	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/testkit/realbake"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/manifest"
)

// The edits the test makes to the shared register, each on components of its
// own CMUs so their effects do not overlap.
type edits struct {
	removedWhole   changes.Component // the only component of its CMU: the CMU goes too
	removedPart    changes.Component // one of a CMU's several alike components
	rerated        changes.Component
	reratedMW      float64
	relocPostcode  changes.Component
	postcodeDonor  changes.Component // located at the postcode relocPostcode gets
	newLocation    string
	relocGrid      changes.Component
	newGridRef     string
	renamedCompany string
	renamed        []changes.Component // every component of that company
	added          changes.Component   // the donor row copied
	addedID        int64
}

const (
	addedCMU       = "ZZCHG1"
	addedComponent = "ZZCHG1C"
	renameSuffix   = " (renamed)"
)

// editedBake is the shared real bake (old) and a bake of the register with
// the edits (new), baked once per test binary into one temp directory over a
// copy of the old bake's manifest and the files its changelog reads, so the
// new bake's changes/latest.json is against the shared bake.
type editedBake struct {
	old, new      *changes.Snapshot
	oldM, newM    *manifest.Manifest
	out, manifest string
	oldOut        string             // the shared bake's output directory
	log           *changes.Changelog // the new bake's own changes/latest.json
	e             edits
}

var shared struct {
	sync.Once
	b   *editedBake
	err error
	dir string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func getEdited(t testing.TB) *editedBake {
	t.Helper()
	rb := realbake.Get(t)
	reg := shareddata.Path(t, realbake.RegisterDir)
	shared.Do(func() { shared.b, shared.err = makeEdited(rb, reg) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.b
}

// rawFile is a register file's top-level object, member order kept (the
// reader takes the first of duplicate rows, so order matters).
type rawFile struct {
	keys []string
	vals []json.RawMessage
}

func readRaw(path string) (*rawFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	f := &rawFile{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		f.keys, f.vals = append(f.keys, k.(string)), append(f.vals, v)
	}
	return f, nil
}

func (f *rawFile) write(path string) error {
	var b bytes.Buffer
	b.WriteString("{")
	for i, k := range f.keys {
		if i > 0 {
			b.WriteString(",")
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteString(":")
		b.Write(f.vals[i])
	}
	b.WriteString("}\n")
	return os.WriteFile(path, b.Bytes(), 0o644)
}

type rowRef struct {
	file, member, index int
}

func makeEdited(rb *realbake.Bake, reg string) (*editedBake, error) {
	old, err := changes.Load(rb.Manifest, rb.Out)
	if err != nil {
		return nil, err
	}
	paths, _ := filepath.Glob(filepath.Join(reg, "components_*.json"))
	sort.Strings(paths)
	files := make([]*rawFile, len(paths))
	rows := make([][][]map[string]any, len(paths)) // file, member, row
	where := map[int64][]rowRef{}
	for fi, p := range paths {
		if files[fi], err = readRaw(p); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		rows[fi] = make([][]map[string]any, len(files[fi].vals))
		for mi, v := range files[fi].vals {
			dec := json.NewDecoder(bytes.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(&rows[fi][mi]); err != nil {
				return nil, fmt.Errorf("%s member %q: %w", p, files[fi].keys[mi], err)
			}
			for ri, r := range rows[fi][mi] {
				id, err := r["_id"].(json.Number).Int64()
				if err != nil {
					return nil, fmt.Errorf("%s member %q row %d: _id: %w", p, files[fi].keys[mi], ri, err)
				}
				where[id] = append(where[id], rowRef{fi, mi, ri})
			}
		}
	}
	byCMU := map[string][]changes.Component{}
	byCompany := map[string][]changes.Component{}
	for _, c := range old.Components {
		byCMU[c.CMUID] = append(byCMU[c.CMUID], c)
		byCompany[c.Company] = append(byCompany[c.Company], c)
	}
	used := map[string]bool{"": true}
	// free: c's row is read once, and neither c's CMU nor (for a rename) any
	// CMU of its company is edited yet.
	free := func(c changes.Component) bool { return len(where[c.ID]) == 1 && !used[c.CMUID] }
	take := func(c changes.Component) { used[c.CMUID] = true }
	row := func(c changes.Component) map[string]any {
		r := where[c.ID][0]
		return rows[r.file][r.member][r.index]
	}
	var e edits
	pick := func(what string, ok func(c changes.Component) bool) (changes.Component, error) {
		for _, c := range old.Components {
			if free(c) && ok(c) {
				take(c)
				return c, nil
			}
		}
		return changes.Component{}, fmt.Errorf("no component of the shared register fits the edit %q", what)
	}
	alike := func(cs []changes.Component) bool {
		for _, c := range cs {
			if c.Company != cs[0].Company || c.Technology != cs[0].Technology || c.DeliveryYear != cs[0].DeliveryYear || c.AuctionName != cs[0].AuctionName {
				return false
			}
		}
		return true
	}
	if e.removedWhole, err = pick("remove a CMU's only component", func(c changes.Component) bool { return len(byCMU[c.CMUID]) == 1 }); err != nil {
		return nil, err
	}
	if e.removedPart, err = pick("remove one of a CMU's alike components", func(c changes.Component) bool {
		return len(byCMU[c.CMUID]) >= 3 && alike(byCMU[c.CMUID]) && c.DeratedMW != nil && *c.DeratedMW > 0
	}); err != nil {
		return nil, err
	}
	if e.rerated, err = pick("re-rate", func(c changes.Component) bool { return c.DeratedMW != nil && *c.DeratedMW > 1 }); err != nil {
		return nil, err
	}
	e.reratedMW = *e.rerated.DeratedMW + 1.5
	if e.relocPostcode, err = pick("new postcode", func(c changes.Component) bool {
		loc, _ := row(c)["Location and Post Code"].(string)
		return c.Located && c.GeoSource == "postcode" && c.GeoPrecision == "postcode_unit" && c.GridRef == "" &&
			row(c)["OS Grid Reference"] == nil && strings.Count(loc, c.Postcode) == 1 && strings.Count(c.Location, c.Postcode) == 1
	}); err != nil {
		return nil, err
	}
	for _, c := range old.Components { // a donor postcode at least 50 km away, in another postcode area
		if c.Located && c.GeoSource == "postcode" && c.GeoPrecision == "postcode_unit" && c.GridRef == "" &&
			changes.PostcodeArea(c.Outcode) != changes.PostcodeArea(e.relocPostcode.Outcode) &&
			changes.Distance(c.Lat, c.Lng, e.relocPostcode.Lat, e.relocPostcode.Lng) > 50_000 {
			e.postcodeDonor = c
			break
		}
	}
	if e.postcodeDonor.ID == 0 {
		return nil, fmt.Errorf("no donor postcode")
	}
	e.newLocation = strings.Replace(e.relocPostcode.Location, e.relocPostcode.Postcode, e.postcodeDonor.Postcode, 1)
	gridRE := regexp.MustCompile(`^([A-Z]{2}) (\d{3}) (\d{3})$`)
	if e.relocGrid, err = pick("new grid reference", func(c changes.Component) bool {
		m := gridRE.FindStringSubmatch(c.GridRef)
		return c.Located && c.GeoSource == "os_grid_ref" && c.GeoPrecision == "100m" && c.Postcode == "" && c.Outcode == "" &&
			m != nil && m[2] < "900"
	}); err != nil {
		return nil, err
	}
	m := gridRE.FindStringSubmatch(e.relocGrid.GridRef)
	east, _ := strconv.Atoi(m[2])
	e.newGridRef = fmt.Sprintf("%s %03d %s", m[1], east+10, m[3]) // 1 km east
	// A company with 2 to 4 components, alone in each of its CMUs, none edited.
	var companies []string
	for k := range byCompany {
		companies = append(companies, k)
	}
	sort.Strings(companies)
	for _, name := range companies {
		cs := byCompany[name]
		if name == "" || len(cs) < 2 || len(cs) > 4 {
			continue
		}
		ok := true
		for _, c := range cs {
			if !free(c) {
				ok = false
			}
			for _, o := range byCMU[c.CMUID] {
				ok = ok && o.Company == name
			}
		}
		if ok {
			e.renamedCompany, e.renamed = name, cs
			for _, c := range cs {
				take(c)
			}
			break
		}
	}
	if e.renamedCompany == "" {
		return nil, fmt.Errorf("no company to rename")
	}
	if e.added, err = pick("copy as a new row", func(c changes.Component) bool { return true }); err != nil {
		return nil, err
	}
	e.addedID = old.Components[len(old.Components)-1].ID + 1

	// Apply the edits to the raw rows.
	row(e.rerated)["De-Rated Capacity"] = e.reratedMW
	r := row(e.relocPostcode)
	r["Location and Post Code"] = strings.Replace(r["Location and Post Code"].(string), e.relocPostcode.Postcode, e.postcodeDonor.Postcode, 1)
	row(e.relocGrid)["OS Grid Reference"] = e.newGridRef
	for _, c := range e.renamed {
		row(c)["Company Name"] = e.renamedCompany + renameSuffix
	}
	copyRow := map[string]any{}
	for k, v := range row(e.added) {
		copyRow[k] = v
	}
	copyRow["_id"], copyRow["CMU ID"], copyRow["Component ID"] = e.addedID, addedCMU, addedComponent
	dirty := map[[2]int]bool{}
	for _, c := range []changes.Component{e.rerated, e.relocPostcode, e.relocGrid} {
		dirty[[2]int{where[c.ID][0].file, where[c.ID][0].member}] = true
	}
	for _, c := range e.renamed {
		dirty[[2]int{where[c.ID][0].file, where[c.ID][0].member}] = true
	}
	drop := func(c changes.Component) {
		ref := where[c.ID][0]
		rows[ref.file][ref.member][ref.index] = nil
		dirty[[2]int{ref.file, ref.member}] = true
	}
	drop(e.removedWhole)
	drop(e.removedPart)
	af := where[e.added.ID][0].file
	files[af].keys = append(files[af].keys, addedComponent)
	files[af].vals = append(files[af].vals, nil)
	rows[af] = append(rows[af], []map[string]any{copyRow})
	dirty[[2]int{af, len(files[af].keys) - 1}] = true

	dir, err := os.MkdirTemp("", "prebake-changes-")
	if err != nil {
		return nil, err
	}
	shared.dir = dir // shared by the run's tests; TestMain removes it
	regDir := filepath.Join(dir, "register")
	if err := os.MkdirAll(regDir, 0o755); err != nil {
		return nil, err
	}
	for fi, p := range paths {
		f := files[fi]
		for mi := range f.keys {
			if !dirty[[2]int{fi, mi}] {
				continue
			}
			var kept []map[string]any
			for _, r := range rows[fi][mi] {
				if r != nil {
					kept = append(kept, r)
				}
			}
			if len(kept) == 0 { // the member's only row removed
				f.vals[mi] = json.RawMessage("[]")
				continue
			}
			if f.vals[mi], err = json.Marshal(kept); err != nil {
				return nil, err
			}
		}
		if err := f.write(filepath.Join(regDir, filepath.Base(p))); err != nil {
			return nil, err
		}
	}

	// The old bake's manifest and the files a changelog reads, as the manifest in force.
	out := filepath.Join(dir, "out")
	mpath := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(rb.ManifestPath)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(mpath, data, 0o644); err != nil {
		return nil, err
	}
	for name, a := range rb.Manifest.Assets {
		if name != changes.ComponentsAsset && !strings.HasPrefix(name, "maptiles/boundaries/") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(rb.Out, a.Path))
		if err != nil {
			return nil, err
		}
		dst := filepath.Join(out, a.Path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return nil, err
		}
	}
	shared := filepath.Dir(filepath.Dir(reg))
	cfg := bake.Config{
		Sources:    []string{filepath.Join(regDir, "components_*.json"), filepath.Join(reg, "cmu_register_rows.json")},
		Postcodes:  []string{filepath.Join(shared, filepath.FromSlash(realbake.Postcodes))},
		Boundaries: filepath.Join(shared, filepath.FromSlash(realbake.Boundaries)),
		OutDir:     out, ManifestPath: mpath, ReportPath: filepath.Join(dir, "report.jsonl"), Force: true,
		Maptiles: maptiles.Options{MinZoom: 0, MaxZoom: 16, Radius: 60, Extent: 512, MinPoints: 2},
	}
	if _, err := bake.Run(cfg); err != nil {
		return nil, fmt.Errorf("bake of the edited register: %w", err)
	}
	nm, err := manifest.Load(mpath)
	if err != nil {
		return nil, err
	}
	nw, err := changes.Load(nm, out)
	if err != nil {
		return nil, err
	}
	a, ok := nm.Assets[changes.LatestAsset]
	if !ok {
		return nil, fmt.Errorf("the edited bake has no %s", changes.LatestAsset)
	}
	var log changes.Changelog
	if data, err = os.ReadFile(filepath.Join(out, a.Path)); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, err
	}
	return &editedBake{old: old, new: nw, oldM: rb.Manifest, oldOut: rb.Out, newM: nm, out: out, manifest: mpath, log: &log, e: e}, nil
}

func ids(es []changes.Entry) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// TestRealEditsChangelog: a bake of the real register with known edits
// (rows added and removed, a row re-rated, one re-located by a new postcode
// and one by a new grid reference, a company renamed) writes a changelog
// against the shared bake listing exactly those changes, field by field, with
// distances equal to PROJ's geod; and `Compare` of the two bakes read from
// their tables gives the same changelog.
func TestRealEditsChangelog(t *testing.T) {
	b := getEdited(t)
	e, log := b.e, b.log
	if log.OldBuildID == nil || *log.OldBuildID != b.oldM.BuildID || log.NewBuildID != b.newM.BuildID || log.AgainstNothing {
		t.Fatalf("build ids: old %v new %s (want %s -> %s), against nothing %v", log.OldBuildID, log.NewBuildID, b.oldM.BuildID, b.newM.BuildID, log.AgainstNothing)
	}
	if log.RegionKind != changes.RegionDNO {
		t.Errorf("region kind %s with the DNO boundaries baked", log.RegionKind)
	}
	// Added and removed.
	if got := ids(log.Components.Added); !slices.Equal(got, []int64{e.addedID}) {
		t.Errorf("added %v, want [%d]", got, e.addedID)
	} else if a := log.Components.Added[0]; a.CMUID != addedCMU || a.ComponentID != addedComponent || a.Company != e.added.Company {
		t.Errorf("added entry %+v", a)
	}
	wantRemoved := []int64{e.removedWhole.ID, e.removedPart.ID}
	slices.Sort(wantRemoved)
	if got := ids(log.Components.Removed); !slices.Equal(got, wantRemoved) {
		t.Errorf("removed %v, want %v", got, wantRemoved)
	}
	// Changed, every field.
	want := map[int64][]changes.FieldChange{
		e.rerated.ID: {{Field: "derated_capacity_mw", Old: *e.rerated.DeratedMW, New: e.reratedMW}},
		e.relocPostcode.ID: func() []changes.FieldChange {
			fs := []changes.FieldChange{{Field: "location", Old: e.relocPostcode.Location, New: e.newLocation},
				{Field: "postcode", Old: e.relocPostcode.Postcode, New: e.postcodeDonor.Postcode}}
			if e.relocPostcode.Outcode != e.postcodeDonor.Outcode {
				fs = append(fs, changes.FieldChange{Field: "outcode", Old: e.relocPostcode.Outcode, New: e.postcodeDonor.Outcode})
			}
			return fs
		}(),
		e.relocGrid.ID: {{Field: "os_grid_ref", Old: e.relocGrid.GridRef, New: e.newGridRef}},
	}
	for _, c := range e.renamed {
		want[c.ID] = []changes.FieldChange{{Field: "company_name", Old: e.renamedCompany, New: e.renamedCompany + renameSuffix}}
	}
	got := map[int64][]changes.FieldChange{}
	for _, c := range log.Components.Changed {
		got[c.ID] = c.Fields
	}
	if len(got) != len(want) {
		t.Errorf("%d components changed, want %d: %v", len(got), len(want), slices.Sorted(func(yield func(int64) bool) {
			for k := range got {
				if !yield(k) {
					return
				}
			}
		}))
	}
	for id, w := range want {
		if fmt.Sprint(got[id]) != fmt.Sprint(w) {
			t.Errorf("component %d changed %v, want %v", id, got[id], w)
		}
	}
	// Moved: exactly the two re-located, why, where to, and how far (geod).
	if len(log.Components.Moved) != 2 {
		t.Fatalf("moved %+v, want the two re-located components", log.Components.Moved)
	}
	moves := map[int64]changes.Move{}
	for _, m := range log.Components.Moved {
		moves[m.ID] = m
	}
	pc, grid := moves[e.relocPostcode.ID], moves[e.relocGrid.ID]
	if pc.Reason != "postcode" || grid.Reason != "grid_reference" {
		t.Errorf("reasons: postcode move %q, grid move %q", pc.Reason, grid.Reason)
	}
	if pc.New == nil || pc.New.Lat != e.postcodeDonor.Lat || pc.New.Lng != e.postcodeDonor.Lng || pc.NewGeo != "postcode:postcode_unit" {
		t.Errorf("postcode move lands at %+v (%s), want the donor's %v,%v", pc.New, pc.NewGeo, e.postcodeDonor.Lat, e.postcodeDonor.Lng)
	}
	if pc.Old == nil || pc.Old.Lat != e.relocPostcode.Lat || grid.Old == nil || grid.Old.Lat != e.relocGrid.Lat || grid.NewGeo != "os_grid_ref:100m" {
		t.Errorf("old positions or geocodes: %+v %+v", pc, grid)
	}
	pairs := [][4]float64{{pc.Old.Lat, pc.Old.Lng, pc.New.Lat, pc.New.Lng}, {grid.Old.Lat, grid.Old.Lng, grid.New.Lat, grid.New.Lng}}
	geod := changes.GeodDistances(t, pairs)
	for i, m := range []changes.Move{pc, grid} {
		if m.DistanceM == nil || math.Abs(*m.DistanceM-geod[i]) > 0.051 {
			t.Errorf("component %d moved %v m, PROJ geod says %.3f m", m.ID, m.DistanceM, geod[i])
		}
	}
	if d := *grid.DistanceM; d < 990 || d > 1010 {
		t.Errorf("a grid reference 1 km east moved the component %.1f m", d)
	}
	if log.Components.Moved[0].ID != pc.ID {
		t.Errorf("the largest mover (%d, more than 50 km) is not listed first", pc.ID)
	}
	// CMUs.
	sumMW := func(cs []changes.Component) float64 {
		s := 0.0
		for _, c := range cs {
			if c.DeratedMW != nil {
				s += *c.DeratedMW
			}
		}
		return s
	}
	cmus := map[string][]changes.Component{}
	for _, c := range b.old.Components {
		cmus[c.CMUID] = append(cmus[c.CMUID], c)
	}
	if len(log.CMUs.Added) != 1 || log.CMUs.Added[0].CMUID != addedCMU || log.CMUs.Added[0].Components != 1 {
		t.Errorf("CMUs added %+v, want [%s]", log.CMUs.Added, addedCMU)
	}
	if len(log.CMUs.Removed) != 1 || log.CMUs.Removed[0].CMUID != e.removedWhole.CMUID {
		t.Errorf("CMUs removed %+v, want [%s]", log.CMUs.Removed, e.removedWhole.CMUID)
	}
	part := cmus[e.removedPart.CMUID]
	partAfter := slices.DeleteFunc(slices.Clone(part), func(c changes.Component) bool { return c.ID == e.removedPart.ID })
	rr := cmus[e.rerated.CMUID]
	rrAfter := slices.Clone(rr)
	for i := range rrAfter {
		if rrAfter[i].ID == e.rerated.ID {
			v := e.reratedMW
			rrAfter[i].DeratedMW = &v
		}
	}
	wantCMU := map[string]string{
		e.removedPart.CMUID: fmt.Sprint([]changes.FieldChange{{Field: "components", Old: len(part), New: len(part) - 1},
			{Field: "derated_capacity_mw", Old: round3(sumMW(part)), New: round3(sumMW(partAfter))}}),
		e.rerated.CMUID: fmt.Sprint([]changes.FieldChange{{Field: "derated_capacity_mw", Old: round3(sumMW(rr)), New: round3(sumMW(rrAfter))}}),
	}
	for _, c := range e.renamed {
		wantCMU[c.CMUID] = fmt.Sprint([]changes.FieldChange{{Field: "company_name", Old: e.renamedCompany, New: e.renamedCompany + renameSuffix}})
	}
	gotCMU := map[string]string{}
	for _, c := range log.CMUs.Changed {
		gotCMU[c.CMUID] = fmt.Sprint(c.Fields)
	}
	if fmt.Sprint(gotCMU) != fmt.Sprint(wantCMU) {
		t.Errorf("CMUs changed\n got %v\nwant %v", gotCMU, wantCMU)
	}
	// Summary and rollups.
	s := log.Summary
	touched := 1 + 2 + 3 + len(e.renamed)
	if s.Added != 1 || s.Removed != 2 || s.Changed != 3+len(e.renamed) || s.Moved != 2 || s.Touched != touched ||
		s.OldComponents != len(b.old.Components) || s.NewComponents != len(b.old.Components)-1 {
		t.Errorf("summary %+v", s)
	}
	var renamedRoll, newNameRoll *changes.Roll
	for i, r := range log.Rollups["company"] {
		switch r.Key {
		case e.renamedCompany:
			renamedRoll = &log.Rollups["company"][i]
		case e.renamedCompany + renameSuffix:
			newNameRoll = &log.Rollups["company"][i]
		}
	}
	if renamedRoll == nil || newNameRoll == nil || renamedRoll.Changed != len(e.renamed) || newNameRoll.Changed != len(e.renamed) {
		t.Errorf("company rollup of the rename: %+v and %+v", renamedRoll, newNameRoll)
	}
	total := 0
	for _, r := range log.Rollups["region"] {
		total += r.Added + r.Removed
	}
	if total != 3 {
		t.Errorf("regions count %d components added or removed, want 3", total)
	}

	// The same changelog from the two bakes' tables.
	again := changes.Compare(b.old, b.new)
	j1, _ := again.Marshal()
	j2, _ := log.Marshal()
	if !bytes.Equal(j1, j2) {
		t.Error("Compare of the two bakes differs from the bake's changes/latest.json")
	}
}
