package maptiles_test

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// TestMapData: MapDataAsset holds every component, located or not, in the
// app's delivery_year DESC order (ties ascending id, an unknown year last),
// with its location group's state (active, inactive, none) and nulls as -1.
func TestMapData(t *testing.T) {
	active := located(5, -1, 52, 2, record.DSR, "Active site")
	active.DeliveryYear = 2024
	old := located(4, -1.5, 52.5, 0, record.Gas, "Old site")
	old.DeliveryYear, old.AuctionName = 2018, "2018-19 (T-4) Four Year Ahead Capacity Auction"
	tbc := located(3, -1, 52, 0, record.DSR, "TBC")
	tbc.DeliveryYear, tbc.DeratedMW, tbc.TechClass = 2024, nil, ""
	unlocated := located(9, 0, 0, 0, record.DSR, "")
	unlocated.Geo, unlocated.DeliveryYear = record.Geocode{}, 0
	dir := t.TempDir()
	w, err := writer.New(writer.Options{OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := maptiles.Generate(&record.Dataset{Components: []record.Component{unlocated, old, active, tbc}}, w, maptiles.Options{}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "maptiles", "map_data.*.json"))
	if len(files) != 1 {
		t.Fatalf("map data files %v", files)
	}
	b, _ := os.ReadFile(files[0])
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["scheme"] != maptiles.MapDataScheme || raw["count"] != 4.0 {
		t.Fatalf("scheme %v count %v", raw["scheme"], raw["count"])
	}
	col := func(name string) []int {
		b, err := base64.StdEncoding.DecodeString(raw[name].(string))
		if err != nil {
			t.Fatal(err)
		}
		out := make([]int, len(b)/4)
		for i := range out {
			out[i] = int(int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
		return out
	}
	strs := raw["strings"].([]any)
	text := func(i int) any {
		if i < 0 {
			return nil
		}
		return strs[i]
	}
	if got := col("id"); !reflect.DeepEqual(got, []int{3, 5, 4, 9}) {
		t.Errorf("row order %v: want 2024 (ids 3, 5), 2018, unknown year", got)
	}
	if got := col("group"); !reflect.DeepEqual(got, []int{-1, 1, 0, -1}) {
		t.Errorf("group states %v: want none (TBC), active, inactive, none (no text)", got)
	}
	pos := col("position")
	if pos[0] != pos[1] || pos[2] == pos[0] || pos[3] != -1 {
		t.Errorf("positions %v: rows 0 and 1 share one, the unlocated has -1", pos)
	}
	var got []any
	for _, i := range col("technology") {
		got = append(got, text(i))
	}
	if !reflect.DeepEqual(got, []any{nil, "DSR", "Gas", "DSR"}) {
		t.Errorf("technology %v", got)
	}
	if y := col("delivery_year"); text(y[0]) != "2024" || y[3] != -1 {
		t.Errorf("years %v", y)
	}
	mwb, _ := base64.StdEncoding.DecodeString(raw["derated_mw"].(string))
	mws := make([]float64, 4)
	for i := range mws {
		mws[i] = math.Float64frombits(binary.LittleEndian.Uint64(mwb[8*i:]))
	}
	if !math.IsNaN(mws[0]) || mws[1] != 2 || mws[2] != 0 {
		t.Errorf("derated %v: NaN for null", mws)
	}
}

// TestMapDataIDRange: an id the int32 column cannot hold is an input error
// naming the record, not a wrapped id.
func TestMapDataIDRange(t *testing.T) {
	c := located(1<<31, -1, 52, 1, record.DSR, "Somewhere")
	w, err := writer.New(writer.Options{OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = maptiles.Generate(&record.Dataset{Components: []record.Component{c}}, w, maptiles.Options{})
	if err == nil || !strings.Contains(err.Error(), "test.json record") || !strings.Contains(err.Error(), "_id") {
		t.Errorf("error %v, want one naming the record and field _id", err)
	}
}
