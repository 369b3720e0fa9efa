// Command prebake turns a web app's biggest cache entries into static, content-
// hashed files and a manifest. Each subcommand lives in its own file and adds
// itself to rootCmd.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

var rootCmd = &cobra.Command{
	Use:   "prebake",
	Short: "Bake the Capacity Market app's cache entries into static files",
	Long: `prebake reads the Capacity Market register and postcode tables and writes,
as content-hashed static files with a manifest.json:
  - the map's clustered points for every technology: tile sets in prebake's
    columnar cluster-tree format (prebake-cluster-tree/2, decoded to GeoJSON
    by js/prebake-map.mjs) and vector tiles in PMTiles,
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

func main() {
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "prebake:", err)
		os.Exit(1)
	}
}

// writeJSON prints v as the indented JSON summary every command's --json gives.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
