package source_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/source"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// The expected numbers below were measured on ../shared independently of this
// package (Python's json module, de-duplicating by _id).

func TestReadRealAppCache(t *testing.T) {
	dir := shareddata.Path(t, "data/register")
	res, err := source.Read([]string{filepath.Join(dir, "components_*.json")}, "")
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, res)
	if len(res.Sources) != 23 {
		t.Errorf("%d source files, want 23", len(res.Sources))
	}
	read, used, dup := 0, 0, 0
	for _, s := range res.Sources {
		if s.Format != source.FormatAppCache || s.Kind != source.KindComponents {
			t.Errorf("%s read as %s/%s", s.Path, s.Format, s.Kind)
		}
		read += s.Counts.Read
		used += s.Counts.Used
		dup += s.Counts.Duplicate
	}
	if len(res.Components) != 18879 || used != 18879 {
		t.Errorf("%d distinct components (%d used), want 18,879", len(res.Components), used)
	}
	if read != 21495 || dup != 21495-18879 {
		t.Errorf("read %d rows with %d duplicates, want 21,495 and 2,616", read, dup)
	}
	if len(res.Problems) != 0 {
		t.Errorf("%d rows rejected, e.g. %+v", len(res.Problems), res.Problems[0])
	}
	counts := map[record.Category]int{}
	withGrid, noLoc, withDerated := 0, 0, 0
	for _, c := range res.Components {
		counts[c.Category]++
		if c.GridRef != "" {
			withGrid++
		}
		if c.Location == "" {
			noLoc++
		}
		if c.DeratedMW != nil {
			withDerated++
		}
		if c.SourceRow < 1 || c.SourceFile == "" {
			t.Fatalf("component %d has no provenance", c.ID)
		}
	}
	if counts[record.DSR] != 7579 || counts[record.Unknown] != 2753 {
		t.Errorf("DSR %d, Unknown %d; want 7,579 and 2,753", counts[record.DSR], counts[record.Unknown])
	}
	if withGrid != 16098 {
		t.Errorf("%d components with a grid reference, want 16,098", withGrid)
	}
	if withDerated != 2858 {
		t.Errorf("%d components with a de-rated capacity, want 2,858", withDerated)
	}
	// Null, N/A, TBC and "yet to be procured" markers: at least the 1,100-odd
	// obvious ones, and never a location that holds a postcode.
	if noLoc < 1100 || noLoc > 1400 {
		t.Errorf("%d components without a location, want 1,100-1,400", noLoc)
	}
	if res.Synthetic {
		t.Error("the real register read as synthetic")
	}
}

func TestReadRealCSVExport(t *testing.T) {
	p := shareddata.Path(t, "data/register/flexitricity_load_components.csv")
	res, err := source.Read([]string{p}, "")
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, res)
	s := res.Sources[0]
	if s.Format != source.FormatCSV || s.Kind != source.KindComponents || s.Counts.Read != 4689 {
		t.Errorf("source = %+v", s)
	}
	if len(res.Components) != 4689 {
		t.Errorf("%d components, want 4,689", len(res.Components))
	}
	dsr := 0
	for _, c := range res.Components {
		if c.ComponentID != "" {
			t.Fatalf("component %d: the export's component_id is the app's key, not a Component ID, got %q", c.ID, c.ComponentID)
		}
		if c.CMUID == "" || c.DeliveryYear < 2016 || c.AuctionName == "" || c.Company == "" {
			t.Fatalf("component %d missing fields: %+v", c.ID, c)
		}
		if c.Category == record.DSR {
			dsr++
		}
	}
	if dsr != 3850 {
		t.Errorf("%d DSR components, want 3,850", dsr)
	}
	first := res.Components[0]
	if first.ID != 234 {
		t.Errorf("lowest component_id %d, want 234", first.ID)
	}
}

func TestReadRefusesMixedKeys(t *testing.T) {
	dir := shareddata.Path(t, "data/register")
	_, err := source.Read([]string{filepath.Join(dir, "components_0.json"), filepath.Join(dir, "flexitricity_load_components.csv")}, "")
	var fe *source.FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "cannot mix") {
		t.Fatalf("error = %v, want a mix error", err)
	}
}

func TestReadRealCMUsAndJoin(t *testing.T) {
	dir := shareddata.Path(t, "data/register")
	res, err := source.Read([]string{filepath.Join(dir, "cmu_register_rows.json"), filepath.Join(dir, "components_*.json")}, "")
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, res)
	if k := res.Sources[0].Kind; k != source.KindCMUs {
		t.Fatalf("cmu_register_rows.json read as %s", k)
	}
	if len(res.CMUs) != 175 || len(res.Components) != 18879 {
		t.Fatalf("%d CMUs and %d components, want 175 and 18,879", len(res.CMUs), len(res.Components))
	}
	withContacts := 0
	for i, c := range res.CMUs {
		if i > 0 {
			p := res.CMUs[i-1]
			if p.CMUID > c.CMUID || (p.CMUID == c.CMUID && p.DeliveryYear > c.DeliveryYear) {
				t.Fatalf("CMUs not sorted at %d", i)
			}
		}
		if len(c.Contacts) > 0 {
			withContacts++
		}
		for k := range c.Contacts {
			if k != "Secondary Trading Contact - Telephone" && k != "Secondary Trading Contact - Email" {
				t.Errorf("unexpected contact column %q", k)
			}
		}
		if c.Applicant == "" || c.UnitName == "" || c.DeliveryYear == 0 {
			t.Fatalf("CMU %d missing fields: %+v", c.ID, c)
		}
	}
	if withContacts != 171 {
		t.Errorf("%d CMUs with contacts, want 171", withContacts)
	}
	source.JoinCMUs(res.Components, res.CMUs)
	joined := 0
	for _, c := range res.Components {
		if c.ParentCompany != "" {
			joined++
		}
		if c.UnitType != "" && c.TransmissionDistribution == "" {
			t.Errorf("component %d half joined: %+v", c.ID, c)
		}
	}
	// 264 components match a CMU row by CMU ID and year, 2 more by the nearest year;
	// one of the 266 CMU rows has no parent company.
	if joined != 263 {
		t.Errorf("%d components got a parent company, want 263", joined)
	}
	t.Logf("%d of %d components joined to a parent company", joined, len(res.Components))
}

func BenchmarkReadRealAppCache(b *testing.B) {
	dir := shareddata.Path(b, "data/register")
	matches, _ := filepath.Glob(filepath.Join(dir, "components_*.json"))
	var size int64
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil {
			size += st.Size()
		}
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := source.Read(matches, ""); err != nil {
			b.Fatal(err)
		}
	}
}
