package maptiles

import (
	"bytes"
	"testing"

	"github.com/prebake/prebake/internal/generators/locations"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/dataset"
)

// spillAll is a spill function that takes every byte it is given, so that an
// encoder streamed through it is cut at every point where it spills; the
// pieces and the returned tail must make the whole encoding.
func spillAll(into *bytes.Buffer, calls *int) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) {
		*calls++
		into.Write(b)
		return b[:0], nil
	}
}

// TestSpilledEqualsWhole: map_data.json and a layer's attribute file, streamed
// (cut wherever they spill), are the bytes the encoders give whole.
func TestSpilledEqualsWhole(t *testing.T) {
	ds := dataset.Sample(t, 3000)
	active := locations.ActiveTexts(ds.Components)
	want, err := encodeMapData(ds.Components, active, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	calls := 0
	tail, err := encodeMapData(ds.Components, active, spillAll(&got, &calls))
	if err != nil {
		t.Fatal(err)
	}
	got.Write(tail)
	if !bytes.Equal(got.Bytes(), want) || calls < 10 {
		t.Errorf("map_data: streamed %d bytes in %d spills, whole %d: not the same bytes", got.Len(), calls, len(want))
	}

	catIndex := map[record.Category]int{}
	for i, c := range record.Categories {
		catIndex[c] = i
	}
	comps, err := located(ds, catIndex)
	if err != nil {
		t.Fatal(err)
	}
	isActive := make([]bool, len(comps))
	for i, c := range comps {
		isActive[i] = active[c.LocationText]
	}
	want, err = encodeAttrs(comps, isActive, nil)
	if err != nil {
		t.Fatal(err)
	}
	got.Reset()
	calls = 0
	tail, err = encodeAttrs(comps, isActive, spillAll(&got, &calls))
	if err != nil {
		t.Fatal(err)
	}
	got.Write(tail)
	if !bytes.Equal(got.Bytes(), want) || calls < 10 {
		t.Errorf("attrs: streamed %d bytes in %d spills, whole %d: not the same bytes", got.Len(), calls, len(want))
	}
}
