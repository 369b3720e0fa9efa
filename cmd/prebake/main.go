// Command prebake turns a web app's biggest cache entries into static, content-
// hashed files and a manifest. Each subcommand lives in its own file in
// cli/cli's shape: an options struct XOptions, NewCmdX(f, runF) building the
// cobra command (runF, when not nil, receives the parsed options instead of
// xRun: the tests' way to check flag parsing in-process), and xRun doing the
// work; newRootCmd adds them to a fresh root.
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
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return root
}

func main() {
	if err := newRootCmd(&Factory{Version: version}).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "prebake:", err)
		os.Exit(exitCode(err))
	}
}

// usageError marks an error in how prebake was called (a flag's value, paths
// that collide): exit status 2, as for a flag cobra cannot parse.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// usageArgs makes a command's positional-argument check a usageError.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

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
