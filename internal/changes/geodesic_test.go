package changes

import (
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// geodDistances runs PROJ's geod (the inverse problem, Karney's algorithm) on
// the WGS84 ellipsoid and returns the distance in metres of each pair.
func geodDistances(t testing.TB, pairs [][4]float64) []float64 {
	t.Helper()
	bin := shareddata.Tool(t, "geod")
	var in strings.Builder
	for _, p := range pairs {
		fmt.Fprintf(&in, "%.9f %.9f %.9f %.9f\n", p[0], p[1], p[2], p[3])
	}
	cmd := exec.Command(bin, "-I", "+ellps=WGS84", "-f", "%.9f")
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("geod: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(pairs) {
		t.Fatalf("geod printed %d lines for %d pairs", len(lines), len(pairs))
	}
	ds := make([]float64, len(pairs))
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 {
			t.Fatalf("geod line %q", l)
		}
		if ds[i], err = strconv.ParseFloat(f[2], 64); err != nil {
			t.Fatalf("geod line %q: %v", l, err)
		}
	}
	return ds
}

// TestDistanceAgainstPROJ: Distance agrees with PROJ's geod to a millimetre
// (geod prints millimetres) over distances from centimetres to across Great
// Britain and beyond, in every direction, and on meridians and parallels.
func TestDistanceAgainstPROJ(t *testing.T) {
	pairs := [][4]float64{
		{51.5, -0.1, 51.6, -0.2},
		{50.0657, -5.7132, 58.6373, -3.0689},   // Land's End to John o' Groats
		{54.0, -2.0, 54.0, -2.0000001},         // about a centimetre
		{53.8, -1.55, 53.8, -1.54},             // along a parallel
		{49.9, -6.4, 60.9, -6.4},               // along a meridian
		{60.8, -0.8, 49.9, 1.8},                // Shetland to Kent, south-east
		{51.0, 1.5, 52.0, -4.5},                // westward
		{0, 0, 0, 1},                           // on the equator
		{-33.9, 18.4, 51.5, -0.1},              // across the equator
		{55.953, -3.188, 55.953251, -3.188267}, // tens of metres
		{52.2053, 0.1218, 52.20531, 0.12181},   // about a metre
		{57.14, -2.09, 57.1400001, -2.0900002}, // under a metre
		{51.4545, -2.5879, 51.4816, -3.1791},   // Bristol to Cardiff
		{50.3755, -4.1427, 55.8642, -4.2518},   // Plymouth to Glasgow
		{58.2, -6.4, 51.5, 1.4},                // Hebrides to Kent
		{45, 10, 46, 11},
		{-45, -10, -46, -11},
	}
	want := geodDistances(t, pairs)
	for i, p := range pairs {
		got := Distance(p[0], p[1], p[2], p[3])
		if math.Abs(got-want[i]) > 0.0015 {
			t.Errorf("Distance%v = %.4f m, geod %.3f m", p, got, want[i])
		}
		if back := Distance(p[2], p[3], p[0], p[1]); math.Abs(back-got) > 1e-6 {
			t.Errorf("Distance not symmetric for %v: %.6f and %.6f", p, got, back)
		}
	}
	if d := Distance(52, -1, 52, -1); d != 0 {
		t.Errorf("Distance of a point to itself = %v", d)
	}
	// Nearly antipodal points, where Vincenty may not converge: a finite
	// distance within 0.5% of PROJ's (the spherical fallback's error).
	anti := [][4]float64{{0, 0, 0.5, 179.7}}
	wantAnti := geodDistances(t, anti)
	if got := Distance(0, 0, 0.5, 179.7); math.IsNaN(got) || math.Abs(got-wantAnti[0]) > 0.005*wantAnti[0] {
		t.Errorf("nearly antipodal: %.1f m, geod %.1f m", got, wantAnti[0])
	}
}
