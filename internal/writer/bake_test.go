package writer_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// The test binary doubles as a small bake program (see TestMain), so that tests
// can run a bake in its own process: to kill it, or to give it its own GOMAXPROCS.
const helperEnv = "PREBAKE_WRITER_TEST_BAKE"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		// spec: out|manifest|variant|scale
		f := strings.Split(spec, "|")
		variant, _ := strconv.Atoi(f[2])
		scale, _ := strconv.Atoi(f[3])
		if err := sampleBake(f[0], f[1], variant, scale); err != nil {
			fmt.Fprintln(os.Stderr, "bake:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperBake runs sampleBake in a child process.
func helperBake(t *testing.T, out, manifestPath string, variant, scale int, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, fmt.Sprintf("%s=%s|%s|%d|%d", helperEnv, out, manifestPath, variant, scale))...)
	cmd.Stderr = os.Stderr
	return cmd
}

// sampleBake writes, concurrently, what a real bake writes: JSON, CSV and binary
// assets, a GeoJSON tile set over several zooms, a shard set and a PMTiles tile
// set, then commits. variant changes every file's content; scale multiplies the
// number and size of files.
func sampleBake(out, manifestPath string, variant, scale int) error {
	w, err := writer.New(writer.Options{OutDir: out, BaseURL: "https://cdn.example.org/prebake/"})
	if err != nil {
		return err
	}
	return bakeInto(w, manifestPath, variant, scale)
}

// bakeInto is sampleBake with a Writer the caller holds.
func bakeInto(w *writer.Writer, manifestPath string, variant, scale int) error {
	errs := make(chan error, 4)
	go func() { errs <- bakeAssets(w, variant, scale) }()
	go func() { errs <- bakeTiles(w, variant, scale) }()
	go func() { errs <- bakeShards(w, variant, scale) }()
	go func() { errs <- bakePMTiles(w, variant) }()
	var first error
	for range 4 {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return first
	}
	rows := int64(100 * scale)
	if _, err := w.WriteAsset("cmu/components.parquet", binaryBlob(variant, 5000*scale), writer.Meta{Rows: &rows,
		Columns: []manifest.Column{{Name: "component_id", Type: "string"}, {Name: "de_rated_mw", Type: "float64", Nullable: true}}}); err != nil {
		return err
	}
	return w.Commit(manifestPath, manifest.Manifest{
		Generator: manifest.Generator{Name: "prebake", Version: "test"},
		Sources: []manifest.Source{{Path: "register/components_D.json", SHA256: strings.Repeat("ab", 32), Format: "app-cache", Kind: "components",
			Counts: manifest.SourceCounts{Read: 10, Used: 8, Duplicate: 1, Rejected: 1, RejectedBy: map[string]int{"no_id": 1}}}},
	})
}

func features(r *rand.Rand, n, variant int) []byte {
	type feature struct {
		Type       string         `json:"type"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	techs := []string{"DSR", "Battery", "Gas", "Wind", "Solar", "CHP"}
	fs := make([]feature, n)
	for i := range fs {
		fs[i] = feature{"Feature",
			map[string]any{"type": "Point", "coordinates": []float64{-8 + r.Float64()*9.8, 50 + r.Float64()*8.7}},
			map[string]any{"id": r.IntN(200000), "cmu_id": fmt.Sprintf("CMU%05d", r.IntN(20000)), "technology": techs[r.IntN(len(techs))],
				"title": fmt.Sprintf("Site %d, Industrial Estate, Town %d", r.IntN(9999), variant), "delivery_year": 2020 + r.IntN(10)}}
	}
	data, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
	return data
}

func binaryBlob(variant, n int) []byte {
	r := rand.New(rand.NewPCG(uint64(variant), 99))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func bakeAssets(w *writer.Writer, variant, scale int) error {
	r := rand.New(rand.NewPCG(uint64(variant), 1))
	for i := range 3 * scale {
		if _, err := w.WriteAsset(fmt.Sprintf("stats/part-%02d.json", i), features(r, 20*scale, variant), writer.Meta{}); err != nil {
			return err
		}
	}
	var csv strings.Builder
	csv.WriteString("cmu_id,company,year\n")
	for i := range 200 * scale {
		fmt.Fprintf(&csv, "CMU%05d,Company %d Ltd,%d\n", r.IntN(20000), i%37, 2020+variant%10)
	}
	if _, err := w.WriteAsset("cmu/cmus.csv", []byte(csv.String()), writer.Meta{}); err != nil {
		return err
	}
	// Too small to compress: no variants.
	_, err := w.WriteAsset("meta/tiny.json", []byte(fmt.Sprintf("[%d]", variant)), writer.Meta{})
	return err
}

func bakeTiles(w *writer.Writer, variant, scale int) error {
	r := rand.New(rand.NewPCG(uint64(variant), 2))
	set := w.NewFileSet("maptiles/DSR")
	for z := range 4 + scale/4 {
		n := min(1<<(2*z), 40*scale)
		for i := range n {
			x, y := i%(1<<z), i/(1<<z)
			if err := set.Add(fmt.Sprintf("%d/%d/%d.geojson", z, x, y), features(r, 1+r.IntN(12), variant)); err != nil {
				return err
			}
		}
	}
	_, err := set.FinishTileSet("DSR", manifest.TileJSON{Name: "DSR", Tiles: []string{"{z}/{x}/{y}.geojson"}, MinZoom: 0, MaxZoom: 3 + scale/4,
		Bounds: []float64{-8.2, 50, 1.8, 58.7}, Center: []float64{-2.5, 54, 5}, Fields: map[string]string{"count": "Number"}},
		map[string]any{"scheme": "xyz"})
	return err
}

func bakeShards(w *writer.Writer, variant, scale int) error {
	set := w.NewFileSet("locations/outcodes")
	for i := range 30 * scale {
		oc := fmt.Sprintf("%c%c%d", 'A'+i%26, 'A'+(i/26)%26, i%10)
		data := fmt.Sprintf(`{"outcode":%q,"locations":[`, oc)
		for j := range 8 {
			data += fmt.Sprintf(`"%s high street %d","%s mill lane %d",`, oc, variant+j, oc, i*j)
		}
		data = strings.TrimSuffix(data, ",") + "]}"
		if err := set.Add(oc+".json", []byte(data)); err != nil {
			return err
		}
	}
	_, err := set.FinishShardSet("outcodes", "outcode", "{outcode}.json", map[string]any{"function": "identity"})
	return err
}

func bakePMTiles(w *writer.Writer, variant int) error {
	a, err := w.WriteAsset("maptiles/all.pmtiles", binaryBlob(variant+1000, 3000), writer.Meta{})
	if err != nil {
		return err
	}
	return w.RegisterTileSet("all", manifest.TileSet{TileJSON: manifest.TileJSON{TileJSON: "3.0.0", Tiles: []string{a.URL}, MinZoom: 0, MaxZoom: 8,
		VectorLayers: []manifest.VectorLayer{{ID: "points", MaxZoom: 8}}}, // nil fields: still an object in the manifest
		Path: a.Path, Format: "pmtiles", Files: 1, Bytes: a.Size})
}

// fileState identifies a file's content and identity on disk.
type fileState struct {
	size  int64
	mtime int64
	ino   uint64
}

// tree maps every file under dir (outside prebake's staging) to its state.
func tree(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "tmp" && filepath.Base(filepath.Dir(p)) == writer.StateDir {
				return fs.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = fileState{fi.Size(), fi.ModTime().UnixNano(), fi.Sys().(*syscall.Stat_t).Ino}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// contents maps every file under dir (outside staging) to its bytes.
func contents(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for rel := range tree(t, dir) {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		out[rel] = string(data)
	}
	return out
}
