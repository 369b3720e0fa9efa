package boundaries

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb/geojson"
)

// TestDeclaredCRSMatchesJSON: declaredCRS, reading orb's extra members, gives
// the CRS and the error that decoding the "crs" member from the file gave,
// for crs members of every shape.
func TestDeclaredCRSMatchesJSON(t *testing.T) {
	feature := `{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}`
	for _, crs := range []string{
		``,
		`,"crs":null`,
		`,"crs":"EPSG:27700"`,
		`,"crs":[1]`,
		`,"crs":{}`,
		`,"crs":{"type":"name"}`,
		`,"crs":{"properties":null}`,
		`,"crs":{"properties":"x"}`,
		`,"crs":{"properties":{}}`,
		`,"crs":{"properties":{"name":null}}`,
		`,"crs":{"properties":{"name":5}}`,
		`,"crs":{"properties":{"name":"urn:ogc:def:crs:EPSG::27700"}}`,
		`,"crs":{"type":"name","properties":{"name":"EPSG:4326"}}`,
		`,"crs":{"properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}}`,
		`,"crs":{"properties":{"name":"EPSG:4258"}}`,
		`,"crs":{"properties":{"name":"EPSG:3857"}}`,
		`,"crs":{"properties":{"name":"EPSG:27700","other":[1,2]}}`,
	} {
		data := []byte(`{"type":"FeatureCollection"` + crs + `,"features":[` + feature + `]}`)
		fc, err := geojson.UnmarshalFeatureCollection(data)
		if err != nil {
			t.Fatalf("%s: %v", crs, err)
		}
		got, gerr := declaredCRS("in.geojson", fc)
		want, werr := declaredCRSJSON("in.geojson", data)
		if got != want || fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Errorf("crs member %q: %q, %v; decoding it from the file gives %q, %v", strings.TrimPrefix(crs, ","), got, gerr, want, werr)
		}
	}
}

// declaredCRSJSON is declaredCRS as it was, decoding the file again: the
// reference TestDeclaredCRSMatchesJSON compares with.
func declaredCRSJSON(name string, data []byte) (CRS, error) {
	var doc struct {
		CRS *struct {
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"crs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.CRS == nil {
		return "", nil
	}
	return crsNamed(name, doc.CRS.Properties.Name)
}
