package cmu

import (
	"path/filepath"

	"github.com/prebake/prebake/record"
	"github.com/prebake/prebake/source"
)

// loadReal reads the real component files and CMU register rows in dir the way
// a bake does (source.Read, then JoinCMUs).
func loadReal(dir, postcodes string) (*record.Dataset, error) {
	res, err := source.Read([]string{filepath.Join(dir, "components_*.json"), filepath.Join(dir, "cmu_register_rows.json")}, "")
	if err != nil {
		return nil, err
	}
	source.JoinCMUs(res.Components, res.CMUs)
	return &record.Dataset{Components: res.Components, CMUs: res.CMUs}, nil
}
