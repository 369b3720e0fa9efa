// Command prebake turns a web app's biggest cache entries into static, content-
// hashed files and a manifest. Each subcommand lives in its own file and adds
// itself to rootCmd.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/bake"
)

// version is set at link time (-ldflags "-X main.version=...") for releases.
var version = "0.1.0"

var rootCmd = &cobra.Command{
	Use:   "prebake",
	Short: "Bake the Capacity Market app's cache entries into static files",
	Long: `prebake reads the Capacity Market register and postcode tables and writes,
as content-hashed static files with a manifest.json:
  - the map page's opening view for every technology: its markers (one per
    exact position) clustered as the app's page clusters them, as tile sets
    maptiles/default/<layer> in prebake's own columnar JSON
    (prebake-cluster-tree/3: not GeoJSON, not XYZ tiles; js/prebake-map.mjs
    decodes them to GeoJSON), attribute files for any other filter,
    the same as Mapbox Vector Tiles in one PMTiles archive (maptiles/map.pmtiles)
    with a MapLibre style (maptiles/style.json), and the DNO areas as GeoJSON,
  - the CMU and component tables (Parquet, Arrow/Feather, JSON),
  - location lookups, the company index and statistics.

Start with:
  prebake sample --out .cache/sample     # the synthetic sample register
  prebake build --source '.cache/sample/synthetic_*.json' \
    --postcodes .cache/sample/synthetic_postcodes.csv
  prebake verify                         # re-check every file the manifest names`,
	SilenceUsage:  true,
	SilenceErrors: true,
}

func init() {
	rootCmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
}

func main() {
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "prebake:", err)
		os.Exit(exitCode(err))
	}
}

// usageError marks an error in how prebake was called (a flag's value, paths
// that collide): exit status 2, as for a flag cobra cannot parse.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// exitCode is 2 for a usage error (bake.PathError included), else 1.
func exitCode(err error) int {
	var ue usageError
	var pe *bake.PathError
	if errors.As(err, &ue) || errors.As(err, &pe) {
		return 2
	}
	return 1
}

// writeJSON prints v as the indented JSON summary every command's --json gives.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
