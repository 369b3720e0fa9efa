package main

import (
	_ "embed"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// versionFile is prebake's version, kept in one place: this file, which the
// Python package reads too (python/src/prebake/VERSION is a symlink to it, and
// python/pyproject.toml takes its version from there). It is embedded rather
// than stamped because the bake writes it into every manifest
// (generator.version): a plain `go build` or `go test` must give the same value
// as a release build.
//
//go:embed VERSION
var versionFile string

var version = strings.TrimSpace(versionFile)

// commit is the git commit the binary was built from, stamped at link time
// (-ldflags "-X main.commit=<sha>", as make build and scripts/dist.sh do);
// unstamped, it is the VCS revision go build records, else "unknown".
var commit string

// VersionInfo is what `prebake version --json` prints.
type VersionInfo struct {
	Version  string `json:"version"`  // cmd/prebake/VERSION, e.g. "0.1.0"
	Commit   string `json:"commit"`   // 40-hex git commit, or "unknown"
	Go       string `json:"go"`       // the Go toolchain that built it, e.g. "go1.26.8"
	Platform string `json:"platform"` // GOOS/GOARCH, e.g. "linux/amd64"
}

func versionInfo() VersionInfo {
	c := commit
	if c == "" {
		c = "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && s.Value != "" {
					c = s.Value
				}
			}
		}
	}
	return VersionInfo{Version: version, Commit: c, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

func (v VersionInfo) String() string {
	return fmt.Sprintf("prebake %s (commit %s, %s, %s)", v.Version, v.Commit, v.Go, v.Platform)
}

// VersionOptions are version's inputs.
type VersionOptions struct {
	Out  io.Writer
	Info VersionInfo
	JSON bool
}

// NewCmdVersion is `prebake version`; runF, when not nil, runs instead of versionRun.
func NewCmdVersion(f *Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print prebake's version, the commit it was built from, its Go version and platform",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out = cmd.OutOrStdout()
			opts.Info = versionInfo()
			opts.Info.Version = f.Version
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print {"version", "commit", "go", "platform"} as JSON`)
	return cmd
}

func versionRun(opts *VersionOptions) error {
	if opts.JSON {
		return writeJSON(opts.Out, opts.Info)
	}
	_, err := fmt.Fprintln(opts.Out, opts.Info)
	return err
}
