package bake

import (
	"testing"

	"github.com/prebake/prebake/internal/record"
)

// BenchmarkRegisterDigest times the register digest over 10,000 components
// (the digest is on every bake's path, so its cost per component matters at 1M).
func BenchmarkRegisterDigest(b *testing.B) {
	mw := 5.0
	comps := make([]record.Component, 10000)
	for i := range comps {
		comps[i] = record.Component{ID: int64(i), ComponentID: "C123456", CMUID: "CMU1", Company: "Some Company Ltd", TechClass: "DSR", Description: "A component of some description", Location: "Somewhere, AB1 2CD", Postcode: "AB1 2CD", Outcode: "AB1", DeratedMW: &mw, ConnectionMW: &mw, Geo: record.Geocode{Lat: 52.1, Lng: -1.2, Located: true, Source: "postcode", Precision: "postcode_unit"}, SourceFile: "/x/y/components_1.json", SourceRow: i}
	}
	ds := &record.Dataset{Components: comps}
	b.ResetTimer()
	for range b.N {
		registerDigest(ds)
	}
}
