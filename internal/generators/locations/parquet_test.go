package locations

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/prebake/prebake/internal/testkit/dataset"
	"github.com/prebake/prebake/internal/testkit/duckcheck"
)

// TestPostcodesParquetDuckDB encodes the whole real table and reads it back
// with DuckDB, an independent Parquet reader: every row, distinct and in
// postcode order, zstd-compressed, and the positions of sample postcodes.
func TestPostcodesParquetDuckDB(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes the full postcode table")
	}
	duckcheck.Peers(t) // skip early when DuckDB is not installed
	tab, err := newPostcodeTable(dataset.RealPostcodes(t).Points())
	if err != nil {
		t.Fatal(err)
	}
	data, err := encodeParquet(tab)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "postcodes.parquet")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f := duckcheck.SQLString(p)
	samples := []int{0, 1, len(tab.points) / 3, len(tab.points) / 2, len(tab.points) - 1}
	var sampleSQL []string
	for _, i := range samples {
		sampleSQL = append(sampleSQL, fmt.Sprintf("SELECT postcode, outcode, sector, lat, lng FROM read_parquet(%s) WHERE postcode = %s", f, duckcheck.SQLString(tab.points[i].Postcode)))
	}
	res := duckcheck.Query(t, append([]string{
		fmt.Sprintf("SELECT count(*) AS n, count(DISTINCT postcode) AS d, min(postcode) AS lo, max(postcode) AS hi, count(DISTINCT outcode) AS oc, count(DISTINCT sector) AS sc FROM read_parquet(%s)", f),
		// File order is postcode order: no row is less than or equal to the row before it.
		fmt.Sprintf("SELECT count(*) AS bad FROM (SELECT postcode, lag(postcode) OVER (ORDER BY file_row_number) AS prev FROM read_parquet(%s, file_row_number = true)) WHERE prev >= postcode", f),
		fmt.Sprintf("SELECT DISTINCT compression FROM parquet_metadata(%s)", f),
	}, sampleSQL...)...)

	sum := res[0][0]
	t.Logf("DuckDB: %v", sum)
	if fmt.Sprint(sum["n"]) != fmt.Sprint(len(tab.points)) || fmt.Sprint(sum["d"]) != fmt.Sprint(len(tab.points)) ||
		sum["lo"] != tab.points[0].Postcode || sum["hi"] != tab.points[len(tab.points)-1].Postcode ||
		fmt.Sprint(sum["oc"]) != fmt.Sprint(len(tab.outcodes)) {
		t.Errorf("DuckDB sees %v; want %d distinct rows from %s to %s in %d outcodes", sum, len(tab.points), tab.points[0].Postcode, tab.points[len(tab.points)-1].Postcode, len(tab.outcodes))
	}
	if bad := fmt.Sprint(res[1][0]["bad"]); bad != "0" {
		t.Errorf("%s rows out of postcode order", bad)
	}
	if len(res[2]) != 1 || res[2][0]["compression"] != "ZSTD" {
		t.Errorf("compression %v, want ZSTD only", res[2])
	}
	for k, i := range samples {
		rows := res[3+k]
		pt := tab.points[i]
		oc, _, _ := splitPostcode(pt.Postcode)
		if len(rows) != 1 {
			t.Errorf("%s: %d rows", pt.Postcode, len(rows))
			continue
		}
		r := rows[0]
		lat, _ := r["lat"].(float64)
		lng, _ := r["lng"].(float64)
		if r["outcode"] != oc || r["sector"] != pt.Postcode[:len(oc)+2] || math.Abs(lat-pt.Lat) > 1e-12 || math.Abs(lng-pt.Lng) > 1e-12 {
			t.Errorf("%s: DuckDB reads %v, want %s %s (%v, %v)", pt.Postcode, r, oc, pt.Postcode[:len(oc)+2], pt.Lat, pt.Lng)
		}
	}
}
