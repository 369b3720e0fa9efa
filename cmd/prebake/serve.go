package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/bake"
	"github.com/prebake/prebake/internal/serve"
)

// ServeOptions are serve's flags.
type ServeOptions struct {
	Ctx   context.Context
	Out   io.Writer
	Serve serve.Options
	Addr  string // --addr
}

// NewCmdServe is `prebake serve`; runF, when not nil, runs instead of serveRun.
func NewCmdServe(_ *Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve [--out output] [--manifest manifest.json] [--addr 127.0.0.1:8080]",
		Short: "Serve a bake as the CDN will, with a preview map and a bake report",
		Long: `serve serves the output directory over HTTP the way the CDN it is uploaded to
will: the br, zstd or gzip variant the client accepts (from the variants the
manifest lists), Vary: Accept-Encoding, ETags and 304s, byte ranges (the PMTiles
archive), immutable caching for content-hashed names and a short one for
manifest.json, CORS, HEAD; nothing outside the output directory. Point the app
or the JS client (js/) at it during development.

  /                     a preview map: every tile set through the bake's JS client,
                        popups from the component_details shards, the DNO areas,
                        the PMTiles archive in MapLibre
  /_prebake/report      the bake report: counts per category, year and source,
                        geocoding, rejected rows, bytes per set and encoding,
                        beside the previous bake's
  /manifest.json        the live manifest (--manifest)
  /<path>               the output directory's files

It stops on Ctrl-C.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Ctx, opts.Out = cmd.Context(), cmd.OutOrStdout()
			if runF != nil {
				return runF(opts)
			}
			return serveRun(opts)
		},
	}
	f := cmd.Flags()
	addOutFlag(f, &opts.Serve.OutDir, "the output directory to serve")
	addManifestFlag(f, &opts.Serve.ManifestPath, "the bake's manifest, served at /manifest.json")
	f.StringVar(&opts.Serve.ReportPath, "report", "", "the bake's rejected and unlocated rows, listed only when of the manifest's build (default: prebake-report.jsonl beside --manifest, where build writes it)")
	f.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "address to listen on (port 0: any free port, printed)")
	return cmd
}

func serveRun(o *ServeOptions) error {
	opts := o.Serve
	if opts.ReportPath == "" {
		opts.ReportPath = bake.DefaultReportPath(opts.ManifestPath)
	}
	srv, err := serve.New(opts)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintf(o.Out, "serving %s at http://%s/ (report: http://%s/_prebake/report)\n", opts.OutDir, ln.Addr(), ln.Addr())
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(o.Ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(shut)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
