package changes

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// arrowFile writes an Arrow IPC file of the given columns, one row each
// (every column a string but those named in types).
func arrowFile(t *testing.T, cols []string, types map[string]arrow.DataType, fill func(name string, b array.Builder)) []byte {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		dt := types[c]
		if dt == nil {
			dt = arrow.BinaryTypes.String
		}
		fields[i] = arrow.Field{Name: c, Type: dt, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	var buf bytes.Buffer
	w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(schema), ipc.WithZstd())
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer b.Release()
	for i, c := range cols {
		fill(c, b.Field(i))
	}
	rec := b.NewRecordBatch()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var componentTypes = map[string]arrow.DataType{
	"id": arrow.PrimitiveTypes.Int64, "delivery_year": arrow.PrimitiveTypes.Int64,
	"derated_capacity_mw": arrow.PrimitiveTypes.Float64, "connection_capacity_mw": arrow.PrimitiveTypes.Float64,
	"lat": arrow.PrimitiveTypes.Float64, "lng": arrow.PrimitiveTypes.Float64, "located": arrow.FixedWidthTypes.Boolean,
}

// fillRow appends one row: id 7, located at 51.5,-0.1, a null capacity and
// year, every text "x-<column>".
func fillRow(name string, b array.Builder) {
	switch b := b.(type) {
	case *array.Int64Builder:
		if name == "id" {
			b.Append(7)
		} else {
			b.AppendNull()
		}
	case *array.Float64Builder:
		switch name {
		case "lat":
			b.Append(51.5)
		case "lng":
			b.Append(-0.1)
		default:
			b.AppendNull()
		}
	case *array.BooleanBuilder:
		b.Append(true)
	case *array.StringBuilder:
		b.Append("x-" + name)
	}
}

// TestReadComponents reads a table with cmu/components' columns, and refuses
// one lacking a column or with a column of another type, naming it.
func TestReadComponents(t *testing.T) {
	data := arrowFile(t, readColumns, componentTypes, fillRow)
	comps, err := ReadComponents(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := comps[0]
	if len(comps) != 1 || c.ID != 7 || !c.Located || c.Lat != 51.5 || c.Lng != -0.1 || c.DeratedMW != nil || c.DeliveryYear != 0 ||
		c.Company != "x-company_name" || c.GridRef != "x-os_grid_ref" || c.GeoSource != "x-geocode_source" {
		t.Errorf("read %+v", comps)
	}
	missing := arrowFile(t, readColumns[:len(readColumns)-1], componentTypes, fillRow)
	if _, err := ReadComponents(bytes.NewReader(missing)); err == nil || !strings.Contains(err.Error(), `"geocode_precision"`) {
		t.Errorf("a table without geocode_precision: %v", err)
	}
	wrong := map[string]arrow.DataType{}
	for k, v := range componentTypes {
		wrong[k] = v
	}
	wrong["lat"] = arrow.BinaryTypes.String
	bad := arrowFile(t, readColumns, wrong, fillRow)
	if _, err := ReadComponents(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), `column "lat" is utf8, want float64`) {
		t.Errorf("lat as text: %v", err)
	}
	if _, err := ReadComponents(bytes.NewReader([]byte("not arrow at all"))); err == nil || !strings.Contains(err.Error(), "not an Arrow IPC file") {
		t.Errorf("not arrow: %v", err)
	}
}
