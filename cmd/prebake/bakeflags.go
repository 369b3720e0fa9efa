package main

import (
	"github.com/spf13/pflag"

	"github.com/prebake/prebake/internal/writer"
)

// addOutFlag defines --out (-o), a bake's output directory, with the default
// every command and package shares (writer.DefaultOutDir); usage is the
// command's own help.
func addOutFlag(f *pflag.FlagSet, p *string, usage string) {
	f.StringVarP(p, "out", "o", writer.DefaultOutDir, usage)
}

// addManifestFlag defines --manifest (-m), a bake's manifest, with the shared
// default (writer.DefaultManifestPath).
func addManifestFlag(f *pflag.FlagSet, p *string, usage string) {
	f.StringVarP(p, "manifest", "m", writer.DefaultManifestPath, usage)
}
