package writer

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/andybalholm/brotli/matchfinder"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Levels chosen by BenchmarkCompress over the real app JSON and GeoJSON (see
// docs/manifest.md for the measurements): each is the point past which a higher
// level buys well under 1% of size for a large rise in bake time.
const (
	BrotliLevel = 7
	GzipLevel   = 7

	// Up to BrotliSmallSize bytes (a map tile, a shard), brotli uses its small
	// window hashers, where quality 5 comes within a fraction of a percent of
	// 7's size in much less time (docs/manifest.md, "Levels"); a set of
	// thousands of tiles is where bake time goes.
	BrotliSmallLevel = 5
	BrotliSmallSize  = 64 << 10

	// BrotliFastLevel replaces BrotliSmallLevel in a file set that asks for
	// it (FileSet.CompressFast). The postcode shards (2,880 files, 47 MB of
	// six-decimal coordinates, in which quality 5's longer searches find few
	// matches) come out 2.3% larger at quality 2 for half the CPU (0.91 s
	// against 1.85 s on one core), and were the bake's largest single cost; map
	// tiles and CMU shards grow 8-10% at 2, so they keep 5 (docs/manifest.md,
	// "Levels").
	BrotliFastLevel = 2

	// From BrotliBigSize bytes (a table, a lookup, the location groups), brotli
	// uses andybalholm/brotli's newer matchfinder encoder (Bargain1, the match
	// finder of its NewWriterV2 levels 5 and 6) over a 16 MiB window instead of
	// the classic encoder at quality 7: several times less CPU on the largest
	// outputs for a few more bytes on some and fewer on others
	// (docs/manifest.md, "Levels"). The classic encoder's cost per byte grows
	// with its hash chains as inputs grow, and on a large register the big
	// assets were a large part of the bake's CPU.
	BrotliBigSize = 1 << 20
)

// Codec is one pre-compressed variant: its Content-Encoding name and file suffix.
type Codec struct {
	Name   string // Content-Encoding token and key in manifest encodings: "br", "gzip", "zstd"
	Suffix string // appended to the original file name: ".br", ".gz", ".zst"
}

// Codecs lists the variants prebake writes for an asset (a single file), in
// manifest order: brotli and gzip. SetCodecs is what a file set (map tiles,
// shards) gets: brotli only. The policy follows what the clients negotiate,
// measured by TestClientsNegotiate (docs/manifest.md, "Which encodings"):
//
//   - Chromium sends "gzip, deflate, br, zstd" (over HTTPS, and over HTTP to
//     localhost), so every browser request for a tile, shard or table takes .br;
//     so does curl --compressed, and requests where Brotli is installed;
//   - the app's server-side clients do not take br: prebake's Python fetch
//     sends "gzip", requests as the app pins it (no Brotli package) sends
//     "gzip, deflate"; they read the manifest's assets (tables, lookups), never
//     tile sets, so assets keep a .gz for them and sets do not;
//   - curl and urllib send no Accept-Encoding (the original);
//   - WhiteNoise 6.7.0 serves .br for br, else .gz for gzip, else the original;
//     S3 serves each key as stored and negotiates nothing.
//
// zstd is never written: every client that offers it also offers br, and
// prebake's brotli is smaller. Writing gzip beside every tile cost thousands of
// files and seconds of CPU for bytes no browser is sent.
//
// ServerCodecs is what an asset only the app's server reads gets (Meta.ServerOnly:
// the server-side columnar files, maptiles/map_data.json and
// locations/groups/search.json, the tables' JSON form, cmu/cmus.json and the
// like, and the app's three location files, which its web processes load at
// start-up): gzip only, the one prebake's Python fetch asks for. No browser is
// sent them, so a .br would be written for no client; their brotli was 70% of
// the 64k sample's big-asset brotli time, and on the columnar files' base64 it
// gives files barely smaller than the gzip, or larger (map_data.json at a
// million components: 25.39 MB of brotli against 25.28 MB of gzip).
var (
	Codecs       = []Codec{{"br", ".br"}, {"gzip", ".gz"}}
	SetCodecs    = []Codec{{"br", ".br"}}
	ServerCodecs = []Codec{{"gzip", ".gz"}}
)

// worthIt reports whether a variant of size z pays for a file (or a set) of
// size n: it must save at least a tenth. Below that a client gains little and
// the variant still costs a file, an upload and a CDN object; such text
// (already compact numbers, tiny files) is served as it is.
func worthIt(z, n int64) bool { return z <= n-n/10 }

// KnownCodecs are the encodings a manifest may name: what prebake writes now,
// and zstd, which earlier bakes wrote and verify and serve still read.
var KnownCodecs = append(append([]Codec{}, Codecs...), Codec{"zstd", ".zst"})

// CodecByName returns the codec for a Content-Encoding token a manifest may name.
func CodecByName(name string) (Codec, bool) {
	for _, c := range KnownCodecs {
		if c.Name == name {
			return c, true
		}
	}
	return Codec{}, false
}

// textExts are the formats worth pre-compressing; Parquet, Arrow and PMTiles
// carry their own compression and are left alone.
var textExts = map[string]string{
	".json":    "application/json",
	".geojson": "application/geo+json",
	".csv":     "text/csv; charset=utf-8",
	".tsv":     "text/tab-separated-values; charset=utf-8",
	".jsonl":   "application/jsonl",
	".ndjson":  "application/x-ndjson",
	".txt":     "text/plain; charset=utf-8",
	".sha256":  "text/plain; charset=utf-8",
	".svg":     "image/svg+xml",
	".html":    "text/html; charset=utf-8",
	".css":     "text/css; charset=utf-8",
	".js":      "text/javascript; charset=utf-8",
	".mjs":     "text/javascript; charset=utf-8",
	".xml":     "application/xml",
}

var binaryExts = map[string]string{
	".parquet": "application/vnd.apache.parquet",
	".arrow":   "application/vnd.apache.arrow.file",
	".feather": "application/vnd.apache.arrow.file",
	".arrows":  "application/vnd.apache.arrow.stream",
	".pmtiles": "application/vnd.pmtiles",
	".png":     "image/png",
	".pbf":     "application/x-protobuf",
	".mvt":     "application/vnd.mapbox-vector-tile",
}

// ContentType is the media type prebake records for a file name.
func ContentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := textExts[ext]; ok {
		return t
	}
	if t, ok := binaryExts[ext]; ok {
		return t
	}
	return "application/octet-stream"
}

// Compressible reports whether a file of this name gets pre-compressed variants.
func Compressible(name string) bool {
	_, ok := textExts[strings.ToLower(path.Ext(name))]
	return ok
}

// isVariantName reports whether name ends in a variant suffix; such names are
// refused as inputs so that an original never collides with another's variant.
func isVariantName(name string) bool {
	for _, c := range KnownCodecs {
		if strings.HasSuffix(name, c.Suffix) {
			return true
		}
	}
	return false
}

var (
	// Encoders are costly to set up (large tables at high levels), so each
	// (codec, level) keeps a pool of them; Reset makes them reusable.
	// brotli Writers are pooled separately, per hasher choice (brotliKey).
	encPools sync.Map // codecLevel -> *sync.Pool
	// zstd is only read (variants of older bakes): one decoder serves all.
	zstdDec = sync.OnceValue(func() *zstd.Decoder {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			panic(err) // only for invalid options, which are constants here
		}
		return d
	})
)

type codecLevel struct {
	name  string
	level int
}

func encPool(name string, level int) *sync.Pool {
	k := codecLevel{name, level}
	if p, ok := encPools.Load(k); ok {
		return p.(*sync.Pool)
	}
	p, _ := encPools.LoadOrStore(k, &sync.Pool{New: func() any {
		zw, err := gzip.NewWriterLevel(io.Discard, level)
		if err != nil {
			return err
		}
		return zw
	}})
	return p.(*sync.Pool)
}

// Compress returns data encoded with codec name, "br" or "gzip" (zstd is only
// read, see KnownCodecs), byte-identical for identical input: no timestamps or
// names in gzip headers.
func Compress(name string, data []byte) ([]byte, error) {
	return compressSmall(name, data, BrotliSmallLevel)
}

// compressSmall is Compress with smallLevel the brotli quality of inputs up to
// BrotliSmallSize bytes.
func compressSmall(name string, data []byte, smallLevel int) ([]byte, error) {
	switch name {
	case "br":
		if len(data) >= BrotliBigSize {
			return brotliBig(data)
		}
		if len(data) <= BrotliSmallSize {
			return compressLevel(name, data, smallLevel)
		}
		return compressLevel(name, data, BrotliLevel)
	case "gzip":
		return compressLevel(name, data, GzipLevel)
	}
	return nil, fmt.Errorf("unknown encoding %q", name)
}

func compressLevel(name string, data []byte, level int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(data)/4 + 64)
	if name == "br" {
		// A window no larger than the input keeps small tiles cheap to set up;
		// it depends only on the input, so output stays deterministic.
		key := brotliKey{level, brotliWindow(len(data)), len(data) >= bigInput}
		var bw *brotli.Writer
		if key.big {
			// A big input's encoder holds a ring buffer and block storage
			// the size of its window, tens of MB: never kept, and at most
			// two at once (bigBrotli).
			// Setting one up costs nothing next to compressing a megabyte.
			// (Compress sends inputs this big to brotliBig; this path is
			// compressLevel called directly, by benchmarks and tests.)
			bigBrotli <- struct{}{}
			defer func() { <-bigBrotli }()
			bw = brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: key.quality, LGWin: key.lgwin})
		} else {
			pool := brotliPool(key)
			bw = pool.Get().(*brotli.Writer)
			defer pool.Put(bw)
			bw.Reset(&buf)
		}
		if _, err := bw.Write(data); err != nil {
			return nil, err
		}
		if err := bw.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	if name != "gzip" {
		return nil, fmt.Errorf("unknown encoding %q", name)
	}
	pool := encPool(name, level)
	got := pool.Get()
	if err, ok := got.(error); ok {
		return nil, err
	}
	defer pool.Put(got)
	zw := got.(interface {
		io.WriteCloser
		Reset(io.Writer)
	})
	// Reset leaves a gzip header zero: no name, no modification time.
	zw.Reset(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// brotliBigWindow is the most distance brotliBig's matches reach back: the
// 16 MiB window its encoder declares (brotli.Encoder writes WBITS 24 into
// every stream) less brotli's 16-byte margin (RFC 7932 section 9.1).
const brotliBigWindow = 1<<24 - 16

// brotliBig encodes an input of BrotliBigSize bytes or more with the
// matchfinder encoder. Its state (a history of up to twice the window, a
// 64 KiB block's matches) is fed one block at a time, so that it never holds
// a copy of the whole input, and at most two run at once (bigBrotli).
func brotliBig(data []byte) ([]byte, error) {
	bigBrotli <- struct{}{}
	defer func() { <-bigBrotli }()
	var buf bytes.Buffer
	buf.Grow(len(data)/8 + 64)
	const block = 1 << 16
	w := bigBrotliWriters.Get().(*matchfinder.Writer)
	defer bigBrotliWriters.Put(w)
	w.Reset(&buf)
	for len(data) > 0 {
		n := min(block, len(data))
		if _, err := w.Write(data[:n]); err != nil {
			return nil, err
		}
		data = data[n:]
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// bigBrotliWriters keeps brotliBig's encoders between inputs: Reset empties
// the match finder's table and history and the encoder's bit writer, so a
// reused one gives a fresh one's bytes (TestBrotliBigPoolMatchesFresh), and
// its history (grown by appending up to twice the window) and block buffers
// are not allocated again for each big asset, which was the largest
// allocation of the 64k bake (131 MB of 1.25 GB, -sample_index=alloc_space).
// A sync.Pool drops them at garbage collection, so at most the two in use
// (bigBrotli) outlive a collection.
var bigBrotliWriters = sync.Pool{New: func() any {
	return &matchfinder.Writer{
		MatchFinder: &matchfinder.Bargain1{MaxDistance: brotliBigWindow},
		Encoder:     &brotli.Encoder{},
		BlockSize:   1 << 16,
	}
}}

// brotliKey is what decides the hasher a brotli Writer picks on its first input
// (andybalholm/brotli chooseHasher: quality, window and whether the size hint
// reaches 1 MiB) and then keeps across Reset. Writers are pooled per key, so a
// reused Writer always has the hasher a fresh one would pick, and Reset's
// Prepare clears the hash state; TestBrotliPoolMatchesFresh checks the bytes
// equal a fresh Writer's. Before pooling, allocating and zeroing a fresh hasher
// per file was almost half of a bake's allocation.
type brotliKey struct {
	quality, lgwin int
	big            bool
}

var brotliPools sync.Map // brotliKey -> *sync.Pool

// bigInput is the size from which brotli picks its large-input hasher
// (andybalholm/brotli chooseHasher's 1 MiB size hint), and from which
// compressLevel encodes at most two inputs at once (bigBrotli).
const bigInput = 1 << 20

// bigBrotli bounds the big encodes running at once: two, one per core of the
// build machine, each holding up to ~40 MB (brotliBig's history and block
// state; the classic encoder's ring buffer and block storage), so that the
// generators running at once do not queue behind one another's tables.
var bigBrotli = make(chan struct{}, 2)

func brotliPool(k brotliKey) *sync.Pool {
	if p, ok := brotliPools.Load(k); ok {
		return p.(*sync.Pool)
	}
	p, _ := brotliPools.LoadOrStore(k, &sync.Pool{New: func() any {
		return brotli.NewWriterOptions(io.Discard, brotli.WriterOptions{Quality: k.quality, LGWin: k.lgwin})
	}})
	return p.(*sync.Pool)
}

// brotliWindow is the smallest brotli window (log2, 10..24) that holds n bytes.
func brotliWindow(n int) int {
	w := 10
	for w < 24 && 1<<w < n {
		w++
	}
	return w
}

// NewDecoder returns a reader of r decoded with codec name.
func NewDecoder(name string, r io.Reader) (io.ReadCloser, error) {
	switch name {
	case "br":
		return io.NopCloser(brotli.NewReader(r)), nil
	case "gzip":
		return gzip.NewReader(r)
	case "zstd":
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("unknown encoding %q", name)
}

// Decompress decodes data encoded with codec name.
func Decompress(name string, data []byte) ([]byte, error) {
	if name == "zstd" {
		return zstdDec().DecodeAll(data, nil)
	}
	r, err := NewDecoder(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}
