// Package cmu writes the Capacity Market tables and the JSON the app's CMU,
// company, statistics and map-popup pages read, replacing the app's Redis
// entries cmu_dataframe_v1, cmu_to_company_mapping, company_index_v1,
// statistics_page_data and map_detail:<id>. See README.md in this directory for
// every file, its shape and the rules (sort keys, normalization, shard function).
package cmu

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/prebake/prebake/internal/generators/cmu/table"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// Options configure Generate.
type Options struct {
	// IncludeContacts also writes the CMU register's contact columns (names,
	// e-mail addresses, telephone numbers) as the cmu/contacts table. Off by
	// default: they are personal data.
	IncludeContacts bool

	// DetailShardMaxBytes bounds the size of one file of the popup shard sets
	// (cmu/component_details, cmu/components_at_location) before compression;
	// 0 means DefaultDetailShardMaxBytes.
	DetailShardMaxBytes int
}

// DefaultDetailShardMaxBytes bounds each file of the two popup shard sets:
// a popup's two fetches stay small (a full file is about 10 KB once
// compressed), and files this small get the writer's cheaper brotli setting
// for small files (writer.BrotliSmallSize): more files and a few more bytes
// than 128 KiB would give, for less CPU.
const DefaultDetailShardMaxBytes = 64 << 10

// Content types of the files Generate writes.
const (
	ContentTypeParquet = "application/vnd.apache.parquet"
	ContentTypeArrow   = "application/vnd.apache.arrow.file"
	ContentTypeJSON    = "application/json"
)

// Generate writes every CMU output of ds through w: GenerateTables, then
// GenerateDetails.
func Generate(ds *record.Dataset, w *writer.Writer, opts Options) error {
	if err := GenerateTables(ds, w, opts); err != nil {
		return err
	}
	return GenerateDetails(ds, w, opts)
}

func checkArgs(ds *record.Dataset, w *writer.Writer) error {
	if ds == nil {
		return fmt.Errorf("cmu: no dataset")
	}
	if w == nil {
		return fmt.Errorf("cmu: no writer")
	}
	return nil
}

// GenerateTables writes the tables (cmu/components, cmu/cmus, cmu/companies,
// and cmu/contacts when opts.IncludeContacts), cmu_to_company.json and the
// company index. It shares nothing with GenerateDetails, so a bake may run
// the two at once (at 1M components each is tens of seconds).
func GenerateTables(ds *record.Dataset, w *writer.Writer, opts Options) error {
	if err := checkArgs(ds, w); err != nil {
		return err
	}
	comps, err := componentsTable(ds.Components)
	if err != nil {
		return err
	}
	// Parquet and Arrow only: JSON records would be the largest file of the
	// bake, and the app never reads them (it has no per-component table); pandas without pyarrow
	// has no use for it either (README.md, "cmu/components").
	if err := writeTable(w, "cmu/components", comps, false); err != nil {
		return err
	}

	frame := appFrame(ds.Components)
	cmus, err := appFrameTable(frame)
	if err != nil {
		return err
	}
	if err := writeTable(w, "cmu/cmus", cmus, true); err != nil {
		return err
	}
	if err := writeJSON(w, "cmu/cmu_to_company.json", appCMUToCompany(frame)); err != nil {
		return err
	}

	rows := cmuRows(ds)
	idx := buildCompanyIndex(ds.Components, rows)
	companies, err := companiesTable(idx)
	if err != nil {
		return err
	}
	if err := writeTable(w, "cmu/companies", companies, true); err != nil {
		return err
	}
	if err := writeCompanyIndex(w, idx); err != nil {
		return err
	}

	if opts.IncludeContacts {
		contacts, err := contactsTable(ds.CMUs)
		if err != nil {
			return err
		}
		if err := writeTable(w, "cmu/contacts", contacts, true); err != nil {
			return err
		}
	}
	return nil
}

// GenerateDetails writes the statistics page's data and the map popups' shard
// sets (cmu/component_details, cmu/components_at_location).
func GenerateDetails(ds *record.Dataset, w *writer.Writer, opts Options) error {
	if err := checkArgs(ds, w); err != nil {
		return err
	}
	if err := writeStatistics(w, ds.Components); err != nil {
		return err
	}
	return writeDetails(w, ds.Components, opts.DetailShardMaxBytes)
}

// writeTable writes t as name.parquet and name.arrow, and as name.json (pandas'
// "split" orientation, table.JSON) when withJSON.
func writeTable(w *writer.Writer, name string, t *table.Table, withJSON bool) error {
	rows := int64(t.Rows())
	cols := t.ManifestColumns()
	type format struct {
		ext, contentType string
		encode           func(io.Writer) error
		serverOnly       bool
	}
	// Streamed into the writer: at a million components a table's Arrow
	// file and JSON are around a hundred MB each. (The Parquet file is
	// rewritten whole after encoding, by fixStatistics.)
	parquetFile := func(out io.Writer) error {
		data, err := t.Parquet()
		if err == nil {
			_, err = out.Write(data)
		}
		return err
	}
	formats := []format{{".parquet", ContentTypeParquet, parquetFile, false}, {".arrow", ContentTypeArrow, t.WriteArrow, false}}
	if withJSON {
		// pandas' form of the table, read by prebake's read_table on the
		// app's server (docs/app-contract.md), never by a browser: gzip only
		// (writer.ServerCodecs).
		formats = append(formats, format{".json", ContentTypeJSON, t.WriteJSON, true})
	}
	for _, f := range formats {
		aw, err := w.CreateAsset(name+f.ext, writer.Meta{ContentType: f.contentType, Rows: &rows, Columns: cols, ServerOnly: f.serverOnly})
		if err != nil {
			return fmt.Errorf("cmu: %s%s: %w", name, f.ext, err)
		}
		if err := f.encode(aw); err != nil {
			aw.Abort()
			return fmt.Errorf("cmu: %s%s: %w", name, f.ext, err)
		}
		if _, err := aw.Close(); err != nil {
			return fmt.Errorf("cmu: %s%s: %w", name, f.ext, err)
		}
	}
	return nil
}

// writeJSON writes v as a JSON asset. encoding/json sorts map keys, so the bytes
// depend only on v.
func writeJSON(w *writer.Writer, name string, v any) error {
	data, err := marshal(v)
	if err != nil {
		return fmt.Errorf("cmu: %s: %w", name, err)
	}
	if _, err := w.WriteAsset(name, data, writer.Meta{ContentType: ContentTypeJSON}); err != nil {
		return fmt.Errorf("cmu: %s: %w", name, err)
	}
	return nil
}

func marshal(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
