package writer

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
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
	want := make([][]byte, len(corpus))
	for i, d := range corpus {
		q := BrotliLevel
		if len(d) <= BrotliSmallSize {
			q = BrotliSmallLevel
		}
		want[i] = freshBrotli(d, q)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 3 {
		for _, i := range r.Perm(len(corpus)) {
			got, err := Compress("br", corpus[i])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want[i]) {
				t.Fatalf("round %d: input %d (%d bytes): pooled brotli gives %d bytes, a fresh Writer %d", round, i, len(corpus[i]), len(got), len(want[i]))
			}
		}
	}
	t.Logf("%d inputs, 3 shuffled rounds, all equal to a fresh Writer's output", len(corpus))
}
