package writer

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/andybalholm/brotli/matchfinder"

	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// freshBrotli is what Compress did before pooling: a new Writer per input.
func freshBrotli(data []byte, quality int) []byte {
	var buf bytes.Buffer
	bw := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: quality, LGWin: brotliWindow(len(data))})
	bw.Write(data)
	bw.Close()
	return buf.Bytes()
}

// brotliCorpus is JSON-like text of many sizes, among them the window and
// size-hint boundaries (1 MiB exactly), from a fixed seed; PREBAKE_BROTLI_CORPUS
// adds every .json/.geojson file below a directory (e.g. a bake's output).
func brotliCorpus(t *testing.T) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{`{"type":"Feature",`, `"geometry":{"type":"Point","coordinates":[`, `"properties":{`, `"DSR"`, `"Battery"`, `"cluster":true,`, `"point_count":`, `]},`, `"}`, `"company":"`}
	var corpus [][]byte
	for _, n := range []int{1, 20, 700, 1 << 10, 5000, 1<<14 + 3, 60000, 64 << 10, 100000, 300000, 1<<20 - 1, 1 << 20, 1<<20 + 1, 1500000} {
		var b strings.Builder
		for b.Len() < n {
			if r.IntN(4) == 0 {
				fmt.Fprintf(&b, "%.6f,", r.Float64()*10-5)
			} else {
				b.WriteString(words[r.IntN(len(words))])
			}
		}
		corpus = append(corpus, []byte(b.String()[:n]))
	}
	if dir := os.Getenv("PREBAKE_BROTLI_CORPUS"); dir != "" {
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".geojson")) {
				if d, err := os.ReadFile(p); err == nil && len(d) > 0 {
					corpus = append(corpus, d)
				}
			}
			return nil
		})
	}
	return corpus
}

// TestBrotliPoolMatchesFresh compresses a corpus three times in shuffled orders
// through Compress (pooled Writers, reused across inputs of every size) and
// requires each output to equal a fresh Writer's, byte for byte.
func TestBrotliPoolMatchesFresh(t *testing.T) {
	corpus := brotliCorpus(t)
	// Each input at the default small level (Compress) and at the fast one
	// (a CompressFast set), interleaved, so that pooled Writers of both
	// qualities are reused across inputs of every size.
	levels := []int{BrotliSmallLevel, BrotliFastLevel}
	want := make([][]byte, 2*len(corpus))
	for i, d := range corpus {
		if len(d) >= BrotliBigSize { // not pooled: TestBrotliBig
			continue
		}
		for l, small := range levels {
			q := BrotliLevel
			if len(d) <= BrotliSmallSize {
				q = small
			}
			want[2*i+l] = freshBrotli(d, q)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 3 {
		for _, j := range r.Perm(len(want)) {
			if want[j] == nil {
				continue
			}
			i, small := j/2, levels[j%2]
			got, err := compressSmall("br", corpus[i], small)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want[j]) {
				t.Fatalf("round %d: input %d (%d bytes), small level %d: pooled brotli gives %d bytes, a fresh Writer %d", round, i, len(corpus[i]), small, len(got), len(want[j]))
			}
		}
	}
	for i, d := range corpus {
		if got, _ := Compress("br", d); want[2*i] != nil && !bytes.Equal(got, want[2*i]) {
			t.Fatalf("input %d (%d bytes): Compress is not the small level %d", i, len(d), BrotliSmallLevel)
		}
	}
	t.Logf("%d inputs (less the big ones) at small levels %v, 3 shuffled rounds, all equal to a fresh Writer's output", len(corpus), levels)
}

// TestFileSetCompressFast: a set that asks for the fast level gets its small
// files' brotli at BrotliFastLevel and its larger ones at BrotliLevel, as a
// fresh Writer writes them; another set keeps BrotliSmallLevel. Each variant
// decodes to its file.
func TestFileSetCompressFast(t *testing.T) {
	out := t.TempDir()
	w, err := New(Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var files [][]byte
	for _, d := range brotliCorpus(t) {
		if len(d) > 1000 && len(d) < BrotliBigSize {
			files = append(files, d)
		}
	}
	for _, fast := range []bool{true, false} {
		name := fmt.Sprintf("sets/fast-%v", fast)
		set := w.NewFileSet(name)
		small := BrotliSmallLevel
		if fast {
			set.CompressFast()
			small = BrotliFastLevel
		}
		for i, d := range files {
			if err := set.Add(fmt.Sprintf("%d.json", i), d); err != nil {
				t.Fatal(err)
			}
		}
		ss, err := set.FinishShardSet(name, "k", "{k}.json", nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(ss.Encodings, ",") != "br" {
			t.Fatalf("%s: encodings %v", name, ss.Encodings)
		}
		for i, d := range files {
			got, err := os.ReadFile(filepath.Join(out, ss.Path, fmt.Sprintf("%d.json.br", i)))
			if err != nil {
				t.Fatal(err)
			}
			q := BrotliLevel
			if len(d) <= BrotliSmallSize {
				q = small
			}
			if want := freshBrotli(d, q); !bytes.Equal(got, want) {
				t.Errorf("%s: file %d (%d bytes): %d bytes of brotli, quality %d gives %d", name, i, len(d), len(got), q, len(want))
			}
			if back, err := Decompress("br", got); err != nil || !bytes.Equal(back, d) {
				t.Errorf("%s: file %d does not decode to itself (%v)", name, i, err)
			}
		}
	}
}

// TestBrotliBig: inputs of BrotliBigSize bytes or more go to the matchfinder
// encoder. Its output must decode to the input with Google's C decoder
// (Python's brotli, the library Chromium's decoder comes from) as well as with
// the Go reader, must be the same bytes on every call, and must beat the
// classic quality-5 encoder's size or come within 10% of it (it is the cheaper
// of the two). The corpus includes an input over twice the 16 MiB window, so
// that matches cross the history's trimming, and one whose repeats lie beyond
// the window, so that no match may reach them.
func TestBrotliBig(t *testing.T) {
	inputs := bigInputs(t)
	r := rand.New(rand.NewPCG(5, 6))
	unit := make([]byte, 17<<20) // random bytes repeated 17 MiB later: out of reach
	for i := range unit {
		unit[i] = byte(r.IntN(256))
	}
	inputs = append(inputs, append(append([]byte{}, unit...), unit[:1<<20]...))
	var long bytes.Buffer
	for long.Len() < 34<<20 {
		fmt.Fprintf(&long, `{"id":%d,"lat":%.6f,"name":"site %d"},`, r.IntN(1_000_000), r.Float64()*8+50, r.IntN(5000))
	}
	inputs = append(inputs, long.Bytes())

	dir := t.TempDir()
	var files []string
	for i, d := range inputs {
		got, err := Compress("br", d)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := Compress("br", d)
		if !bytes.Equal(got, again) {
			t.Errorf("input %d (%d bytes): two calls gave different bytes", i, len(d))
		}
		back, err := Decompress("br", got)
		if err != nil || !bytes.Equal(back, d) {
			t.Fatalf("input %d (%d bytes): the Go reader does not give the input back (%v)", i, len(d), err)
		}
		if i < len(inputs)-2 { // size against the classic encoder, on the JSON-like inputs
			classic := freshBrotli(d, 5)
			if float64(len(got)) > 1.10*float64(len(classic)) {
				t.Errorf("input %d (%d bytes): %d bytes, classic quality 5 gives %d", i, len(d), len(got), len(classic))
			}
		}
		raw, br := filepath.Join(dir, fmt.Sprint(i)), filepath.Join(dir, fmt.Sprint(i)+".br")
		os.WriteFile(raw, d, 0o644)
		os.WriteFile(br, got, 0o644)
		files = append(files, raw)
	}
	py := shareddata.Python(t)
	script := `import brotli, sys
for raw in sys.argv[1:]:
    if brotli.decompress(open(raw + ".br", "rb").read()) != open(raw, "rb").read():
        sys.exit(raw + ": decodes to other bytes")
print(len(sys.argv) - 1)`
	out, err := exec.Command(py, append([]string{"-c", script}, files...)...).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != fmt.Sprint(len(files)) {
		t.Fatalf("Python brotli (Google's decoder): %v\n%s", err, out)
	}
}

// freshBrotliBig is brotliBig as it was before its encoders were pooled: a
// new matchfinder Writer for every input.
func freshBrotliBig(data []byte) []byte {
	var buf bytes.Buffer
	w := &matchfinder.Writer{
		Dest:        &buf,
		MatchFinder: &matchfinder.Bargain1{MaxDistance: brotliBigWindow},
		Encoder:     &brotli.Encoder{},
		BlockSize:   1 << 16,
	}
	for len(data) > 0 {
		n := min(1<<16, len(data))
		w.Write(data[:n])
		data = data[n:]
	}
	w.Close()
	return buf.Bytes()
}

// TestBrotliBigPoolMatchesFresh compresses big inputs (the corpus's, one past
// the 16 MiB window and one of a single block) in shuffled orders, three
// rounds, through Compress, whose big-input encoders are reused, and requires
// each output to equal a fresh encoder's byte for byte: a reused encoder that
// kept any of the last input (its history, its match table, its bit
// writer) would give other bytes for the next.
func TestBrotliBigPoolMatchesFresh(t *testing.T) {
	inputs := bigInputs(t)
	r := rand.New(rand.NewPCG(7, 8))
	var long bytes.Buffer
	for long.Len() < 17<<20 {
		fmt.Fprintf(&long, `{"id":%d,"lat":%.6f,"name":"site %d"},`, r.IntN(1_000_000), r.Float64()*8+50, r.IntN(5000))
	}
	inputs = append(inputs, long.Bytes(), bytes.Repeat([]byte(`{"a":1},`), BrotliBigSize/8))
	want := make([][]byte, len(inputs))
	for i, d := range inputs {
		want[i] = freshBrotliBig(d)
	}
	for round := range 3 {
		for _, i := range r.Perm(len(inputs)) {
			got, err := Compress("br", inputs[i])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want[i]) {
				t.Fatalf("round %d: input %d (%d bytes): the pooled encoder gives %d bytes, a fresh one %d", round, i, len(inputs[i]), len(got), len(want[i]))
			}
		}
	}
}

// bigInputs is the corpus's inputs of BrotliBigSize bytes or more.
func bigInputs(t *testing.T) [][]byte {
	var inputs [][]byte
	for _, d := range brotliCorpus(t) {
		if len(d) >= BrotliBigSize {
			inputs = append(inputs, d)
		}
	}
	return inputs
}
