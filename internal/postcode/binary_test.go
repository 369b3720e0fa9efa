package postcode

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// TestBinaryRoundTrip: a table read back from its binary form is the table:
// the same units, positions, sector and district centroids (with their counts)
// and rejection examples, on a table with duplicates and rejected rows, on an
// empty one (TestBinaryRoundTripReal: the real Code-Point table).
func TestBinaryRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.csv", "postcode,lat,lng\nWF11 8AA,53.0,-1.0\nWF11 8AB,53.2,-1.2\nWF11 9AA,53.4,-1.4\nWF1 1AA,52.0,-1.0\nNOT A PC,1,1\nWF2 2AA,x,1\n", false)
	b := writeFile(t, dir, "b.csv", "postcode,lat,lng\nWF11 8AA,60.0,0.0\nWF11 8AD,53.1,-1.1\n", false)
	small, _, err := Load([]string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(small.Rejections()) == 0 {
		t.Fatal("the fixture has no rejections to keep")
	}
	roundTrip(t, "small", small)
	roundTrip(t, "empty", &Table{})
}

func TestBinaryRoundTripReal(t *testing.T) {
	tab, _ := loadReal(t)
	roundTrip(t, "real Code-Point", tab)
}

func roundTrip(t *testing.T, name string, tab *Table) {
	t.Helper()
	var buf bytes.Buffer
	sum, err := tab.WriteBinary(&buf)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !bytes.HasSuffix(buf.Bytes(), sum) {
		t.Errorf("%s: the returned checksum does not end the file", name)
	}
	got, err := ReadBinary(buf.Bytes())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if got.Len() != tab.Len() || !reflect.DeepEqual(got.Points(), tab.Points()) {
		t.Errorf("%s: %d units read back, %d written, or they differ", name, got.Len(), tab.Len())
	}
	if !equalCentroids(got.sectors, tab.sectors) || !equalCentroids(got.outcodes, tab.outcodes) {
		t.Errorf("%s: centroids differ", name)
	}
	if !reflect.DeepEqual(got.Rejections(), tab.Rejections()) {
		t.Errorf("%s: rejections %v, want %v", name, got.Rejections(), tab.Rejections())
	}
}

func equalCentroids(a, b map[string]centroid) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

// TestBinaryRefusesDamage: every damaged form is refused with an error, never
// read as another table: each byte flipped in turn (a short table, so all of
// them), every truncation, another version's magic, and trailing bytes.
func TestBinaryRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	tab, _, err := Load([]string{writeFile(t, dir, "a.csv", "postcode,lat,lng\nWF11 8AA,53.0,-1.0\nWF1 1AA,52.0,-1.0\nBAD,1,1\n", false)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := tab.WriteBinary(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	for i := range good {
		bad := bytes.Clone(good)
		bad[i] ^= 0x40
		if _, err := ReadBinary(bad); err == nil {
			t.Fatalf("byte %d flipped: read without error", i)
		}
	}
	for n := range len(good) {
		if _, err := ReadBinary(good[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: read without error", n)
		}
	}
	other := strings.Replace(string(good), "/1\n", "/2\n", 1)
	if _, err := ReadBinary([]byte(other)); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("another version: %v", err)
	}
	if _, err := ReadBinary(append(bytes.Clone(good), 0)); err == nil {
		t.Error("a trailing byte: read without error")
	}
}
