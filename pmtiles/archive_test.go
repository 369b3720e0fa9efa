package pmtiles

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	h := Header{
		SpecVersion: 3, RootOffset: 127, RootLength: 2, MetadataOffset: 129, MetadataLength: 3,
		LeafDirectoryOffset: 132, LeafDirectoryLength: 1 << 40, TileDataOffset: 1<<40 + 132, TileDataLength: 5,
		AddressedTiles: 9, TileEntries: 8, TileContents: 7, Clustered: true,
		InternalCompression: Gzip, TileCompression: Gzip, TileType: MVT, MinZoom: 0, MaxZoom: 17,
		MinLonE7: -81_000_000, MinLatE7: 499_000_000, MaxLonE7: 19_000_000, MaxLatE7: 609_000_000,
		CenterZoom: 5, CenterLonE7: -20_000_000, CenterLatE7: 540_000_000,
	}
	b, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != HeaderLen || string(b[:7]) != "PMTiles" || b[7] != 3 {
		t.Fatalf("header starts %q, %d bytes", b[:8], len(b))
	}
	// Spot-check positions against the spec's byte table.
	if got := binary.LittleEndian.Uint64(b[72:]); got != 9 {
		t.Errorf("addressed tiles at byte 72 = %d", got)
	}
	if b[99] != byte(MVT) || b[101] != 17 || b[118] != 5 {
		t.Errorf("tile type %d, max zoom %d, center zoom %d", b[99], b[101], b[118])
	}
	if got := int32(binary.LittleEndian.Uint32(b[102:])); got != -81_000_000 {
		t.Errorf("min lon at byte 102 = %d", got)
	}
	var back Header
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if back != h {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, h)
	}
}

func TestHeaderRejectsBadInput(t *testing.T) {
	good, _ := Header{SpecVersion: 3}.MarshalBinary()
	v2 := bytes.Clone(good)
	v2[7] = 2
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"short", good[:100], "needs 127 bytes"},
		{"magic", append([]byte("MBTiles"), good[7:]...), "bad magic"},
		{"version", v2, "spec version 2"},
	}
	for _, tc := range cases {
		var h Header
		err := h.UnmarshalBinary(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestDirectoryRoundTrip(t *testing.T) {
	cases := []struct {
		name    string
		entries []Entry
	}{
		{"empty", []Entry{}},
		{"one", []Entry{{TileID: 0, Offset: 0, Length: 10, RunLength: 1}}},
		{"contiguous", []Entry{{1, 0, 10, 1}, {2, 10, 5, 1}, {5, 15, 1, 3}}},
		{"back references", []Entry{{1, 0, 10, 1}, {2, 10, 5, 1}, {3, 0, 10, 1}, {4, 15, 2, 1}}},
		{"leaf pointers", []Entry{{0, 0, 300, 0}, {1 << 33, 300, 200, 0}}},
		{"large offsets", []Entry{{7, 1 << 40, 1 << 31, 1 << 30}}},
	}
	for _, tc := range cases {
		for _, c := range []Compression{NoCompression, Gzip} {
			b, err := EncodeDirectory(tc.entries, c)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got, err := DecodeDirectory(b, c)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !reflect.DeepEqual(got, tc.entries) {
				t.Errorf("%s (compression %d): got %v, want %v", tc.name, c, got, tc.entries)
			}
		}
	}
}

func TestDirectoryLayout(t *testing.T) {
	// The spec's columns: count, id deltas, run lengths, lengths, offsets
	// (0 = follows the previous entry, else offset+1).
	b, err := EncodeDirectory([]Entry{{3, 0, 10, 1}, {5, 10, 4, 2}, {9, 0, 10, 1}}, NoCompression)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{3, 3, 2, 4, 1, 2, 1, 10, 4, 10, 1, 0, 1}
	if !bytes.Equal(b, want) {
		t.Errorf("got % x, want % x", b, want)
	}
	if _, err := EncodeDirectory([]Entry{{5, 0, 1, 1}, {5, 1, 1, 1}}, NoCompression); err == nil {
		t.Error("repeated tile id accepted")
	}
	if _, err := DecodeDirectory([]byte{5, 1, 1}, NoCompression); err == nil {
		t.Error("truncated directory accepted")
	}
}

type testTile struct {
	z    uint8
	x, y uint32
	data []byte
}

// sampleTiles has distinct tiles, a repeated blob far apart (de-duplicated) and
// a run of consecutive ids sharing one blob (run-length encoded).
func sampleTiles() []testTile {
	var ts []testTile
	ts = append(ts, testTile{0, 0, 0, []byte("world")})
	for x := uint32(0); x < 4; x++ {
		for y := uint32(0); y < 4; y++ {
			ts = append(ts, testTile{2, x, y, []byte("sea")})
		}
	}
	for i := uint32(0); i < 50; i++ {
		ts = append(ts, testTile{10, 500 + i%7, 300 + i/7, []byte(fmt.Sprintf("tile %d", i))})
	}
	ts = append(ts, testTile{12, 2000, 1300, []byte("world")})
	return ts
}

func writeArchive(t testing.TB, tiles []testTile, opts Options, maxRoot int) []byte {
	t.Helper()
	w := tilesWriter(t, tiles, opts, maxRoot)
	var buf bytes.Buffer
	if _, err := w.Finish(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tilesWriter is a Writer holding tiles, with root directories of at most
// maxRoot entries when maxRoot > 0.
func tilesWriter(t testing.TB, tiles []testTile, opts Options, maxRoot int) *Writer {
	t.Helper()
	w := NewWriter(opts)
	if maxRoot > 0 {
		w.maxRoot = maxRoot
	}
	for _, tt := range tiles {
		if err := w.Add(tt.z, tt.x, tt.y, tt.data); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func TestWriterRoundTrip(t *testing.T) {
	tiles := sampleTiles()
	meta := map[string]any{"name": "test", "vector_layers": []map[string]any{{"id": "a", "fields": map[string]string{}}}}
	opts := Options{TileType: MVT, TileCompression: NoCompression, Bounds: [4]float64{-8.2, 49.9, 1.9, 60.9}, Metadata: meta}
	for _, tc := range []struct {
		name    string
		maxRoot int
		leaves  bool
	}{
		{"root only", 0, false},
		{"leaf directories", 40, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			archive := writeArchive(t, tiles, opts, tc.maxRoot)
			r, err := NewReader(bytes.NewReader(archive), int64(len(archive)))
			if err != nil {
				t.Fatal(err)
			}
			h := r.Header()
			if (h.LeafDirectoryLength > 0) != tc.leaves {
				t.Errorf("leaf directory length %d, want leaves %v", h.LeafDirectoryLength, tc.leaves)
			}
			if tc.leaves && len(r.root) < 2 {
				t.Errorf("root has %d leaf pointers, want several", len(r.root))
			}
			if h.RootOffset+h.RootLength > rootLimit {
				t.Errorf("root directory ends at byte %d, past %d", h.RootOffset+h.RootLength, rootLimit)
			}
			// 68 tiles; the 16 z2 "sea" tiles are one Hilbert run (one entry),
			// and "world" is stored once for two tiles.
			if h.AddressedTiles != 68 || h.TileEntries != 53 || h.TileContents != 52 {
				t.Errorf("addressed %d, entries %d, contents %d; want 68, 53, 52", h.AddressedTiles, h.TileEntries, h.TileContents)
			}
			if h.MinZoom != 0 || h.MaxZoom != 12 || h.TileType != MVT || !h.Clustered || h.InternalCompression != Gzip {
				t.Errorf("header %+v", h)
			}
			if h.MinLonE7 != -82_000_000 || h.MaxLatE7 != 609_000_000 || h.CenterLonE7 != -31_500_000 || h.CenterLatE7 != 554_000_000 {
				t.Errorf("bounds/center %+v", h)
			}
			for _, tt := range tiles {
				got, ok, err := r.Tile(tt.z, tt.x, tt.y)
				if err != nil || !ok || !bytes.Equal(got, tt.data) {
					t.Errorf("tile %d/%d/%d: %q %v %v, want %q", tt.z, tt.x, tt.y, got, ok, err, tt.data)
				}
			}
			for _, absent := range [][3]uint32{{1, 0, 0}, {3, 0, 0}, {10, 499, 300}, {10, 507, 300}, {12, 2000, 1301}, {13, 0, 0}} {
				if got, ok, err := r.Tile(uint8(absent[0]), absent[1], absent[2]); ok || err != nil {
					t.Errorf("absent tile %v: %q %v %v", absent, got, ok, err)
				}
			}
			md, err := r.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(meta)
			if !bytes.Equal(md, want) {
				t.Errorf("metadata %s, want %s", md, want)
			}
			entries, err := r.Entries()
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 53 {
				t.Errorf("%d entries walked, want 53", len(entries))
			}
		})
	}
}

func TestWriterIsDeterministic(t *testing.T) {
	tiles := sampleTiles()
	opts := Options{TileType: MVT, TileCompression: Gzip, Metadata: map[string]any{"b": 1, "a": []int{2}}}
	first := writeArchive(t, tiles, opts, 40)
	reversed := make([]testTile, len(tiles))
	for i, tt := range tiles {
		reversed[len(tiles)-1-i] = tt
	}
	for i := 0; i < 3; i++ {
		if got := writeArchive(t, reversed, opts, 40); !bytes.Equal(got, first) {
			t.Fatal("the same tiles added in another order gave another archive")
		}
	}
}

func TestWriterRefusesBadTiles(t *testing.T) {
	cases := []struct {
		name string
		add  func(w *Writer) error
		want string
	}{
		{"empty", func(w *Writer) error { return w.Add(1, 0, 0, nil) }, "is empty"},
		{"outside zoom", func(w *Writer) error { return w.Add(2, 4, 0, []byte("x")) }, "outside zoom 2"},
		{"too deep", func(w *Writer) error { return w.Add(32, 0, 0, []byte("x")) }, "above the maximum"},
		{"twice", func(w *Writer) error {
			_ = w.Add(3, 1, 1, []byte("x"))
			return w.Add(3, 1, 1, []byte("y"))
		}, "added twice"},
	}
	for _, tc := range cases {
		err := tc.add(NewWriter(Options{}))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	var buf bytes.Buffer
	w := NewWriter(Options{Bounds: [4]float64{10, 0, -10, 5}})
	_ = w.Add(0, 0, 0, []byte("x"))
	if _, err := w.Finish(&buf); err == nil || !strings.Contains(err.Error(), "bounds") {
		t.Errorf("inverted bounds: %v", err)
	}
}

func TestWriterLargeArchiveUsesLeaves(t *testing.T) {
	// 120,000 distinct z17 tiles spread over GB: too many entries for a 16 KiB
	// root, so the writer must fall back to leaf directories on its own.
	w := NewWriter(Options{TileType: MVT, TileCompression: NoCompression})
	want := map[[3]uint32][]byte{}
	for i := uint32(0); i < 120000; i++ {
		x, y := 63000+(i*7919)%4000, 40000+(i*104729)%5000
		k := [3]uint32{17, x, y}
		if _, dup := want[k]; dup {
			continue
		}
		d := binary.AppendUvarint(nil, uint64(i))
		want[k] = d
		if err := w.Add(17, x, y, d); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	h, err := w.Finish(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if h.LeafDirectoryLength == 0 || h.RootOffset+h.RootLength > rootLimit {
		t.Fatalf("root %d bytes, leaves %d bytes", h.RootLength, h.LeafDirectoryLength)
	}
	r, err := NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k, d := range want {
		if n++; n%37 != 0 {
			continue
		}
		got, ok, err := r.Tile(uint8(k[0]), k[1], k[2])
		if err != nil || !ok || !bytes.Equal(got, d) {
			t.Fatalf("tile %v: %x %v %v, want %x", k, got, ok, err, d)
		}
	}
	if h.AddressedTiles != uint64(len(want)) {
		t.Errorf("addressed %d tiles, added %d", h.AddressedTiles, len(want))
	}
}

func BenchmarkWriter100kTiles(b *testing.B) {
	data := make([][]byte, 100000)
	for i := range data {
		// A third of the tiles repeat an earlier blob, as empty sea tiles do.
		data[i] = binary.AppendUvarint([]byte("tile"), uint64(i-i%3))
	}
	b.ReportAllocs()
	for b.Loop() {
		w := NewWriter(Options{TileType: MVT, TileCompression: Gzip})
		for i, d := range data {
			if err := w.Add(16, 32000+uint32(i%400), 20000+uint32(i/400), d); err != nil {
				b.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if _, err := w.Finish(&buf); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(buf.Len()), "bytes")
	}
}
