package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/publish"
)

// PublishOptions are publish's flags.
type PublishOptions struct {
	Out, ErrOut io.Writer
	Publish     publish.Options // Publish.To is --to, parsed
	Client      publish.ClientOptions
	To          string // --to as given
	PathStyle   bool   // --path-style; Client.PathStyle points at it when the flag is given
	JSON        bool   // --json
	Verbose     bool   // --verbose
	Quiet       bool   // --quiet
	MaxChanges  string // --max-changes as given; Publish.MaxChanges is it parsed
}

// NewCmdPublish is `prebake publish`; runF, when not nil, runs instead of
// publishRun. A missing or malformed --to is a usage error.
func NewCmdPublish(_ *Factory, runF func(*PublishOptions) error) *cobra.Command {
	opts := &PublishOptions{}
	cmd := &cobra.Command{
		Use:   "publish --to s3://bucket/prefix [--out output] [--manifest manifest.json]",
		Short: "Upload a bake to an S3 bucket (the CDN's origin), manifest.json last",
		Long: `publish uploads every file the manifest names (assets, pre-compressed variants,
every file of every tile and shard set) that the bucket lacks, then, once every
one of them is in the bucket, a copy of the manifest under .prebake/manifests/
and manifest.json last. A run that fails or is killed leaves the old
manifest.json in force; run it again to resume. A second run uploads nothing.

Content-addressed files get "Cache-Control: public, max-age=31536000, immutable"
and are never overwritten (one in the bucket with another size is an error);
manifest.json gets a short max-age (--manifest-max-age). Variants are stored
beside their original under their own keys (x.json.br with Content-Encoding: br
and the original's Content-Type); the plain key always holds the original bytes,
so a client that sends no Accept-Encoding gets what it can read.

Credentials come from the AWS SDK's default chain, as for the aws CLI:
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE or
--profile with ~/.aws, web identity (CI's OIDC), SSO, instance roles. Region:
--region, AWS_REGION, AWS_DEFAULT_REGION. An S3-compatible origin (Cloudflare
R2, MinIO, SeaweedFS, ...): --endpoint or AWS_ENDPOINT_URL_S3, path-style by
default there.

Each publish numbers its copy of the manifest under .prebake/manifests/ in
publish order. --prune --keep N then deletes every object that some manifest
of that history named and that neither this manifest nor the last N builds
published name, then the older history entries. "Last" is publish order, not
the manifests' created time: a re-publish of an older bake (a roll-back) is
the newest. An object no manifest of the history named is left alone, whatever
its name; so are unreferenced ones younger than --prune-min-age (a publish in
progress), and the history entries naming them until a later prune deletes them.

--max-changes N% is the data-level sibling of build's shrink guard: before
uploading anything it compares the bake's components with those of the
manifest.json the bucket holds (docs/changes.md) and refuses, with exit status
3, a bake that adds, removes, changes or moves more than N% of them, or when
the bucket's components cannot be read; --allow-changes lets it through.`,
		Example: `  prebake publish --to s3://my-cdn-origin/prebake --dry-run
  prebake publish --to s3://my-cdn-origin/prebake --json
  AWS_ENDPOINT_URL_S3=https://<account>.r2.cloudflarestorage.com prebake publish --to s3://origin/prebake
  prebake publish --to s3://my-cdn-origin/prebake --prune --keep 3`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.To == "" {
				return usagef("no --to given: name the bucket and prefix, e.g. --to s3://my-bucket/prebake")
			}
			target, err := publish.ParseTarget(opts.To)
			if err != nil {
				return usagef("--to: %w", err)
			}
			if opts.Publish.Prune && opts.Publish.Keep < 1 {
				return usagef("--keep %d: keep at least 1 manifest", opts.Publish.Keep)
			}
			if opts.Publish.Jobs < 1 {
				return usagef("--jobs %d: want 1 or more", opts.Publish.Jobs)
			}
			opts.Publish.To = target
			if cmd.Flags().Changed("path-style") {
				opts.Client.PathStyle = &opts.PathStyle
			}
			if opts.MaxChanges != "" {
				v, err := parsePercent(opts.MaxChanges)
				if err != nil {
					return &exitError{2, fmt.Errorf("--max-changes %q: %w", opts.MaxChanges, err)}
				}
				opts.Publish.MaxChanges = v
			}
			opts.Publish.List = opts.Verbose || opts.Publish.DryRun
			opts.Out, opts.ErrOut = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if runF != nil {
				return runF(opts)
			}
			return publishRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.To, "to", "", "where to publish: s3://bucket or s3://bucket/prefix")
	addOutFlag(f, &opts.Publish.OutDir, "the output directory of the bake")
	addManifestFlag(f, &opts.Publish.ManifestPath, "the bake's manifest")
	f.StringVar(&opts.Client.Endpoint, "endpoint", "", "S3-compatible endpoint URL (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS)")
	f.StringVar(&opts.Client.Region, "region", "", "region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, else us-east-1)")
	f.StringVar(&opts.Client.Profile, "profile", "", "named profile of ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE)")
	f.BoolVar(&opts.PathStyle, "path-style", false, "address the bucket in the path, not the host name (default: on with an endpoint)")
	f.IntVar(&opts.Client.Retries, "retries", 5, "retries of a failed request, with exponential backoff")
	f.DurationVar(&opts.Client.Timeout, "timeout", 2*time.Minute, "time limit of one attempt of one request")
	f.IntVarP(&opts.Publish.Jobs, "jobs", "j", 16, "objects uploaded at once")
	f.BoolVar(&opts.Publish.DryRun, "dry-run", false, "list what would be uploaded (and pruned); write and delete nothing")
	f.BoolVar(&opts.Publish.Checksum, "checksum", false, "also compare present objects' ETags with the local files' MD5 (reads every file)")
	f.IntVar(&opts.Publish.ManifestMaxAge, "manifest-max-age", publish.DefaultManifestMaxAge, "Cache-Control max-age of manifest.json, in seconds")
	f.BoolVar(&opts.Publish.Prune, "prune", false, "then delete objects only manifests older than the last --keep published named")
	f.IntVar(&opts.Publish.Keep, "keep", 3, "with --prune: how many of the last builds published to keep")
	f.DurationVar(&opts.Publish.PruneMinAge, "prune-min-age", time.Hour, "with --prune: spare unreferenced objects younger than this")
	f.StringVar(&opts.MaxChanges, "max-changes", "", `refuse (exit 3, nothing uploaded) a bake that adds, removes, changes or moves more than this share of the components of the bucket's manifest.json, e.g. "5%"`)
	f.BoolVar(&opts.Publish.AllowChanges, "allow-changes", false, "publish even when --max-changes would refuse")
	f.BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "list every object uploaded and deleted (--dry-run always lists)")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "print nothing but errors")
	return cmd
}

func publishRun(o *PublishOptions) error {
	opts := o.Publish
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := publish.NewClient(ctx, o.Client)
	if err != nil {
		return err
	}
	var prog *progressLine
	if !o.Quiet && !o.JSON && showProgress() {
		prog = &progressLine{w: o.ErrOut}
		opts.Progress = prog.update
	}
	res, err := publish.Publish(ctx, c, opts)
	prog.done()
	var refused *publish.ChangesError
	if errors.As(err, &refused) {
		return &exitError{3, err}
	}
	if err != nil {
		return err
	}
	out := o.Out
	if o.JSON {
		return writeJSON(out, res)
	}
	if o.Quiet {
		return nil
	}
	verb, mverb := "uploaded", res.Manifest
	if res.DryRun {
		verb = "would upload"
	}
	for _, k := range res.UploadedKeys {
		fmt.Fprintln(out, verb, k)
	}
	fmt.Fprintf(out, "%s: %s %d of %d objects (%s), %d already present; %s %s\n",
		res.Target, verb, res.Uploaded, res.Objects, humanBytes(res.UploadedBytes), res.Present, res.ManifestKey, mverb)
	if p := res.Prune; p != nil {
		pverb := "deleted"
		if res.DryRun {
			pverb = "would delete"
		}
		for _, k := range p.RemovedKeys {
			fmt.Fprintln(out, pverb, k)
		}
		for _, k := range p.LeftAlone {
			fmt.Fprintln(out, "left alone (no manifest of the history named it):", k)
		}
		fmt.Fprintf(out, "prune: kept %d manifests; %s %d objects (%s) and %d old manifests; %d unreferenced objects younger than %s kept\n",
			len(p.KeptManifests), pverb, p.Removed, humanBytes(p.RemovedBytes), len(p.RemovedManifests), p.TooNew, opts.PruneMinAge)
	}
	return nil
}

// parsePercent reads "5%", "5" (both 5 percent) or "0.5%" as a fraction.
func parsePercent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")), 64)
	if err != nil || v <= 0 || v > 100 {
		return 0, fmt.Errorf("want a percentage above 0 and at most 100, e.g. 5%%")
	}
	return v / 100, nil
}

// progressLine redraws one line on a terminal, at most five times a second.
type progressLine struct {
	w    io.Writer
	mu   sync.Mutex
	last time.Time
	any  bool
}

func (p *progressLine) update(pr publish.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); pr.Done == pr.Total || now.Sub(p.last) >= 200*time.Millisecond {
		p.last = now
		p.any = true
		fmt.Fprintf(p.w, "\r  uploaded %d/%d objects, %s of %s ", pr.Done, pr.Total, humanBytes(pr.DoneBytes), humanBytes(pr.TotalBytes))
	}
}

func (p *progressLine) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.any {
		fmt.Fprintln(p.w)
	}
}
