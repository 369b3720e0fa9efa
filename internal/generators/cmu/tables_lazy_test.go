package cmu

import (
	"bytes"
	"sort"
	"testing"

	"github.com/prebake/prebake/internal/generators/cmu/table"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/dataset"
)

// componentsTableBuilt is componentsTable as it was before its texts were
// read through table.Column.StringAt: every value copied into the table by
// the Builder. TestComponentsTableMatchesBuilt holds the two to the same bytes.
func componentsTableBuilt(comps []record.Component) (*table.Table, error) {
	sorted := make([]*record.Component, len(comps))
	for i := range comps {
		sorted[i] = &comps[i]
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	b := table.NewBuilder("components", []string{"id"}, componentColumns...)
	normalize := memoized(looseName)
	for _, c := range sorted {
		b.Int(c.ID).
			StrOrNull(c.ComponentID).
			StrOrNull(c.CMUID).
			StrOrNull(c.Company).
			StrOrNull(normalize(c.Company)).
			StrOrNull(c.TechClass).
			Str(string(categoryOf(c))).
			IntOrNull(int64(c.DeliveryYear), c.DeliveryYear != 0).
			StrOrNull(c.AuctionName).
			StrOrNull(c.AuctionType).
			Float(c.DeratedMW).
			Float(c.ConnectionMW).
			StrOrNull(c.Description).
			StrOrNull(c.Location).
			StrOrNull(c.Postcode).
			StrOrNull(c.Outcode).
			StrOrNull(c.GridRef).
			FloatOrNull(c.Geo.Lat, c.Geo.Located).
			FloatOrNull(c.Geo.Lng, c.Geo.Located).
			Bool(c.Geo.Located).
			StrOrNull(located(c, c.Geo.Source)).
			StrOrNull(located(c, c.Geo.Precision)).
			StrOrNull(unlocated(c)).
			StrOrNull(c.ParentCompany).
			StrOrNull(c.UnitType).
			StrOrNull(c.UnitCategory).
			StrOrNull(c.TransmissionDistribution).
			EndRow()
	}
	return b.Table()
}

// TestComponentsTableMatchesBuilt: the components table whose texts are read
// from the components as encoded gives the bytes (Parquet, Arrow, JSON) and
// checksums of the table built by copying every value, on the synthetic
// sample (nulls, unlocated rows, unknown years) and on its rows out of ID
// order (the sort componentsTable skips only for sorted input).
func TestComponentsTableMatchesBuilt(t *testing.T) {
	ds := dataset.Sample(t, 0)
	shuffled := append([]record.Component(nil), ds.Components[:5000]...)
	for i := range shuffled {
		j := (i * 7919) % len(shuffled)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	for _, tc := range []struct {
		name  string
		comps []record.Component
	}{{"sample", ds.Components}, {"unsorted", shuffled}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := componentsTable(tc.comps)
			if err != nil {
				t.Fatal(err)
			}
			want, err := componentsTableBuilt(tc.comps)
			if err != nil {
				t.Fatal(err)
			}
			if got.Rows() != want.Rows() || got.Rows() != len(tc.comps) {
				t.Fatalf("rows: got %d, want %d", got.Rows(), want.Rows())
			}
			nulls := 0
			for _, c := range want.Columns {
				for i := 0; i < c.Len(); i++ {
					if c.IsNull(i) {
						nulls++
					}
				}
			}
			if nulls == 0 {
				t.Fatal("the sample's table has no nulls: the comparison would not cover them")
			}
			for _, f := range []struct {
				name      string
				got, want func() ([]byte, error)
			}{{"parquet", got.Parquet, want.Parquet}, {"arrow", got.Arrow, want.Arrow}, {"json", got.JSON, want.JSON}} {
				g, err := f.got()
				if err != nil {
					t.Fatal(err)
				}
				w, err := f.want()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(g, w) {
					t.Errorf("%s: %d bytes differ from the built table's %d", f.name, len(g), len(w))
				}
			}
			gc, wc := got.Checksums(), want.Checksums()
			for name, w := range wc {
				if gc[name] != w {
					t.Errorf("checksum of %s: got %+v, want %+v", name, gc[name], w)
				}
			}
		})
	}
}
