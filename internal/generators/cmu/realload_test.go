package cmu

import (
	"path/filepath"

	"github.com/prebake/prebake/internal/geocode"
	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/source"
)

// loadReal reads the real component files and CMU register rows in dir and
// geocodes them with the postcode table, the way a bake does.
func loadReal(dir, postcodes string) (*record.Dataset, error) {
	return loadDataset([]string{filepath.Join(dir, "components_*.json"), filepath.Join(dir, "cmu_register_rows.json")}, postcodes)
}

// loadDataset reads register files and geocodes them with a postcode table,
// the way a bake does: source.Read, JoinCMUs, postcode.Load, geocode.Apply.
func loadDataset(sources []string, postcodes string) (*record.Dataset, error) {
	res, err := source.Read(sources, "")
	if err != nil {
		return nil, err
	}
	source.JoinCMUs(res.Components, res.CMUs)
	table, _, err := postcode.Load([]string{postcodes})
	if err != nil {
		return nil, err
	}
	geocode.Apply(res.Components, table)
	return &record.Dataset{Components: res.Components, CMUs: res.CMUs, Postcodes: table.Points()}, nil
}
