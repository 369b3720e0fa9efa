// Command prebake turns a web app's biggest cache entries into static, content-
// hashed files and a manifest. Each subcommand lives in its own file in
// cli/cli's shape: an options struct XOptions, NewCmdX(f, runF) building the
// cobra command (runF, when not nil, receives the parsed options instead of
// xRun: the tests' way to check flag parsing in-process), and xRun doing the
// work; newRootCmd adds them to a fresh root.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Factory is what commands take from the program (cli/cli's cmdutil.Factory,
// cut to prebake's needs).
type Factory struct {
	Version string // prebake's version: printed by version, written into manifests by build
}

// newRootCmd is prebake's root command with every subcommand.
func newRootCmd(f *Factory) *cobra.Command {
	root := newRoot()
	root.AddCommand(
		NewCmdVersion(f, nil),
		NewCmdSample(f, nil),
		NewCmdVerify(f, nil),
		NewCmdDiff(f, nil),
		NewCmdPrune(f, nil),
		NewCmdServe(f, nil),
		NewCmdAudit(f, nil),
		NewCmdPublish(f, nil),
		NewCmdBuild(f, nil),
	)
	return root
}

// newRoot is the root command alone. A flag cobra cannot parse, in any
// subcommand, is a usageError (exit status 2).
func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "prebake",
		Short: "Bake the Capacity Market app's cache entries into static files",
		Long: `prebake reads the Capacity Market register and postcode tables and writes,
as content-hashed static files with a manifest.json:
  - the map page's opening view for every technology: its markers (one per
    exact position) clustered as the app's page clusters them, as tile sets
    maptiles/default/<layer> in prebake's own columnar JSON
    (prebake-cluster-tree/3: not GeoJSON, not XYZ tiles; the JS client, js/,
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
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	// `prebake --version` prints the same line as `prebake version`.
	root.Version = versionInfo().String()
	root.SetVersionTemplate("{{.Version}}\n")
	return root
}

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}

// exitError carries a command's own exit status (diff --data: 1 for changes,
// 2 for trouble); err, when not nil, is printed as any error is.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// writeJSON prints v as the indented JSON summary every command's --json gives.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
