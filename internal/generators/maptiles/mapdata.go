package maptiles

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/prebake/prebake/internal/appview"
	"github.com/prebake/prebake/internal/generators/locations"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// MapDataScheme names the layout of MapDataAsset, for clients.
const MapDataScheme = "prebake-map-data/1"

// MapDataAsset is the asset a server answers the app's /api/map-data/ from
// (prebake.django.urls): every component, located or not, with the fields the
// endpoint filters on and returns.
const MapDataAsset = "maptiles/map_data.json"

// Group states of a component's location text in MapDataAsset's "group" column.
const (
	groupNone     = -1 // the text makes no location group (empty, N/A, TBC, ...)
	groupInactive = 0
	groupActive   = 1

	groupUnknown = -2 // not decided yet (writeMapData's cache); never written
)

// groupState is the group state of a location text.
func groupState(text string, active map[string]bool) int {
	switch {
	case !locations.IsGroupText(text):
		return groupNone
	case active[text]:
		return groupActive
	}
	return groupInactive
}

// The text columns of MapDataAsset, for lastCode.
const (
	textYear = iota
	textTech
	textCategory
	textCompany
	textLocation
	textAuction
	textCMU
	textDescription
	textOutcode
	mapDataTexts
)

// writeMapData writes MapDataAsset: one row per component in the app's
// Component order (`ORDER BY delivery_year DESC`; ties ascending register id,
// as the tile sets' representatives; an unknown year last), as columns of
// locations.Int32Column (positions: locations.Float64Column, the lng and lat of
// each distinct position in order of first use). Every text is an index into
// one "strings" table (order of first use; -1 for a missing text).
//
//	{"scheme":"prebake-map-data/1","count":N,"positions":"<lng0,lat0,...>",
//	 "strings":[...],"id","position" (-1 unlocated),"technology","category",
//	 "company","delivery_year","location","auction_name","cmu_id",
//	 "description","outcode","group" (-1|0|1),
//	 "derated_mw" (locations.Float64Column, NaN when null)}
//
// technology is the raw class (-1 when null), category the app's category of it
// (always set: "Unknown" for a null class), location the location text
// verbatim, outcode the postcode district found in it, group whether the text's
// location group is active (1), inactive (0) or the text makes no group (-1):
// the /map/ period filter (future = active groups' components, historical =
// inactive groups'); derated_mw the de-rated capacity in MW (the popups'
// derated_capacity_mw).
func writeMapData(w *writer.Writer, comps []record.Component, active map[string]bool) error {
	// Streamed: at a million components the file is a hundred MB.
	// Read by the app's server only (prebake's Python views), never by a
	// browser: gzip only (writer.ServerCodecs).
	aw, err := w.CreateAsset(MapDataAsset, writer.Meta{ContentType: "application/json", ServerOnly: true})
	if err != nil {
		return err
	}
	b, err := encodeMapData(comps, active, aw.Spill)
	if err == nil {
		_, err = aw.Write(b)
	}
	if err != nil {
		aw.Abort()
		return err
	}
	_, err = aw.Close()
	return err
}

// encodeMapData is MapDataAsset's bytes (see writeMapData). spill, when not
// nil, is called with the bytes so far between strings and columns
// (writer.AssetWriter.Spill), and the rest is returned.
func encodeMapData(comps []record.Component, active map[string]bool, spill func([]byte) ([]byte, error)) ([]byte, error) {
	rows := make([]*record.Component, len(comps))
	for i := range comps {
		rows[i] = &comps[i]
	}
	// IDs are distinct, so this order is total and any sort gives it.
	slices.SortFunc(rows, func(a, b *record.Component) int {
		if a.DeliveryYear != b.DeliveryYear {
			if a.DeliveryYear == 0 || b.DeliveryYear == 0 {
				if b.DeliveryYear == 0 {
					return -1
				}
				return 1
			}
			return cmp.Compare(b.DeliveryYear, a.DeliveryYear)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	var strs dict
	// Each text column remembers the last text it coded (lastCode).
	var last [mapDataTexts]lastCode
	text := func(col int, s string) int {
		if s == "" {
			return -1
		}
		return last[col].code(&strs, s)
	}
	type posKey struct{ lng, lat float64 }
	posCodes := map[posKey]int{}
	var positions []posKey
	n := len(rows)
	names := []string{"id", "position", "technology", "category", "company", "delivery_year", "location", "auction_name", "cmu_id", "description", "outcode", "group"}
	// int32 (the column's type, and _id is checked to fit): at a million
	// components, twelve columns of int were a tenth of the bake's peak heap.
	cols := make([][]int32, len(names))
	for k := range cols {
		cols[k] = make([]int32, 0, n)
	}
	var groupOf []int // by string number: the text's group state, groupUnknown until decided
	for _, c := range rows {
		if c.ID < math.MinInt32 || c.ID > math.MaxInt32 {
			return nil, fmt.Errorf("%s record %d: field _id: %d does not fit the int32 id column of %s", c.SourceFile, c.SourceRow, c.ID, MapDataAsset)
		}
		p := -1
		if c.Geo.Located {
			k := posKey{c.Geo.Lng, c.Geo.Lat}
			var ok bool
			if p, ok = posCodes[k]; !ok {
				p = len(positions)
				posCodes[k] = p
				positions = append(positions, k)
			}
		}
		year := -1
		if y, ok := appview.Year(c.DeliveryYear); ok {
			year = last[textYear].code(&strs, y)
		}
		// Strings are numbered in order of first use: coded in the column
		// order, the year first.
		tech, cat, company := text(textTech, c.TechClass), last[textCategory].code(&strs, string(c.Category)), text(textCompany, c.Company)
		loc := text(textLocation, c.LocationText)
		// A location text's group state is decided once per distinct text
		// (its string number), not once per component (IsGroupText lowers
		// the text; with the active lookup, 1.5 s at 1M components).
		g := groupNone
		if loc >= 0 {
			for len(groupOf) <= loc {
				groupOf = append(groupOf, groupUnknown)
			}
			if groupOf[loc] == groupUnknown {
				groupOf[loc] = groupState(c.LocationText, active)
			}
			g = groupOf[loc]
		}
		for k, v := range []int{int(c.ID), p, tech, cat, company, year,
			loc, text(textAuction, c.AuctionName), text(textCMU, c.CMUID), text(textDescription, c.Description), text(textOutcode, c.Outcode), g} {
			cols[k] = append(cols[k], int32(v))
		}
	}
	derated := make([]float64, len(rows))
	for i, c := range rows {
		derated[i] = math.NaN()
		if c.DeratedMW != nil {
			derated[i] = *c.DeratedMW
		}
	}
	lngLat := make([]float64, 0, 2*len(positions))
	for _, p := range positions {
		lngLat = append(lngLat, p.lng, p.lat)
	}
	if spill == nil {
		spill = func(b []byte) ([]byte, error) { return b, nil }
	}
	var err error
	b := make([]byte, 0, min(24*n+64*len(strs.names), writer.SpillSize+64<<10))
	b = append(b, `{"scheme":`...)
	b = appendString(b, MapDataScheme)
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"positions":"`...)
	b = append(b, locations.Float64Column(lngLat)...)
	b = append(b, `","strings":[`...)
	for i, s := range strs.names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
		if b, err = spill(b); err != nil {
			return nil, err
		}
	}
	b = append(b, ']')
	for k, name := range names {
		b = append(b, `,"`...)
		b = append(b, name...)
		b = append(b, `":"`...)
		b = append(b, locations.Int32Column(cols[k])...)
		b = append(b, '"')
		cols[k] = nil
		if b, err = spill(b); err != nil {
			return nil, err
		}
	}
	b = append(b, `,"derated_mw":"`...)
	b = append(b, locations.Float64Column(derated)...)
	return append(b, "\"}\n"...), nil
}
