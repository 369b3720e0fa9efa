package publish

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/prebake/prebake/internal/changes"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// ManifestKey is the live manifest's key under the prefix, and HistoryPrefix
// where a copy of every published manifest is kept for --prune (the same names
// as the output directory's .prebake/manifests, see writer.HistoryDir).
const (
	ManifestKey   = "manifest.json"
	HistoryPrefix = writer.StateDir + "/manifests/"
)

// Options say what to publish where.
type Options struct {
	OutDir         string // the output directory (default "output")
	ManifestPath   string // the bake's manifest (default "manifest.json")
	To             Target
	DryRun         bool // list, read and compare; write and delete nothing
	Jobs           int  // objects uploaded at once; 0 means 16
	Checksum       bool // also compare each present object's ETag with the local file's MD5 (reads every file)
	ManifestMaxAge int  // Cache-Control max-age of manifest.json, seconds; 0 means DefaultManifestMaxAge
	List           bool // fill Result.UploadedKeys and the prune lists
	Prune          bool // after publishing, delete what no manifest of the last Keep references
	Keep           int  // manifests whose objects --prune keeps (>= 1)
	// PruneMinAge spares unreferenced objects younger than this, which may belong
	// to a publish still uploading (its manifest is not written yet).
	PruneMinAge time.Duration
	Progress    func(Progress) // called after each upload, from one goroutine at a time
	// MaxChanges, when above 0, refuses (ChangesError, before any upload) a
	// bake that adds, removes, changes or moves more than this fraction of the
	// components of the manifest the bucket holds (see checkChanges);
	// AllowChanges lets it through.
	MaxChanges   float64
	AllowChanges bool
}

// Progress counts uploads so far.
type Progress struct {
	Done, Total           int
	DoneBytes, TotalBytes int64
}

// Result is what a publish did (or, with DryRun, would do).
type Result struct {
	Target        string       `json:"target"`
	BuildID       string       `json:"build_id"`
	DryRun        bool         `json:"dry_run"`
	Objects       int          `json:"objects"` // named by the manifest: assets, variants, set indexes, set files
	Bytes         int64        `json:"bytes"`
	Present       int          `json:"present"`  // already in the bucket, left as they were
	Uploaded      int          `json:"uploaded"` // uploaded (with DryRun: would be)
	UploadedBytes int64        `json:"uploaded_bytes"`
	UploadedKeys  []string     `json:"uploaded_keys,omitempty"` // with Options.List
	Manifest      string       `json:"manifest"`                // "uploaded", "unchanged" or "would upload"
	ManifestKey   string       `json:"manifest_key"`
	HistoryKey    string       `json:"history_key"`
	Prune         *PruneResult `json:"prune,omitempty"`
	Seconds       float64      `json:"seconds"`

	// Changes summarises the bake against the bucket's manifest when
	// --max-changes checked it.
	Changes *changes.Summary `json:"changes,omitempty"`
}

// remote is one object of a listing.
type remote struct {
	size     int64
	etag     string
	modified time.Time
}

type publisher struct {
	c    *s3.Client
	opts Options
}

// Publish uploads the bake in opts.OutDir described by opts.ManifestPath to
// opts.To, in this order:
//
//  1. list the prefix, and plan: every object the manifest names that the bucket
//     lacks is uploaded; one present with the same key and size (and, with
//     Checksum, MD5) is left alone, and one with another size is an error, never
//     overwritten: a content-addressed key means one content;
//  2. upload in parallel, each with Content-Type, Cache-Control, Content-Encoding
//     for variants and Content-MD5 (the origin refuses damaged bytes), then HEAD it
//     to check the origin kept size and headers;
//  3. list again and require every named object present with its size;
//  4. only then write the manifest's history copy (numbered in publish order,
//     writer.HistoryName) and, last, manifest.json, so the
//     live manifest never names a missing object. A manifest.json already equal
//     byte for byte is not rewritten: a second run writes nothing;
//  5. with Prune, delete what no manifest of the last Keep references.
//
// A run that fails or is killed at any point leaves the old manifest.json in
// force, and a re-run resumes: what was uploaded is present and skipped.
func Publish(ctx context.Context, c *s3.Client, opts Options) (*Result, error) {
	start := time.Now()
	if opts.OutDir == "" {
		opts.OutDir = writer.DefaultOutDir
	}
	if opts.ManifestPath == "" {
		opts.ManifestPath = writer.DefaultManifestPath
	}
	if opts.Jobs <= 0 {
		opts.Jobs = 16
	}
	if opts.ManifestMaxAge <= 0 {
		opts.ManifestMaxAge = DefaultManifestMaxAge
	}
	if opts.To.Bucket == "" {
		return nil, errors.New("publish: no target bucket")
	}
	if opts.Prune && opts.Keep < 1 {
		return nil, fmt.Errorf("publish: --keep %d: keep at least 1 manifest", opts.Keep)
	}
	manifestBytes, err := os.ReadFile(opts.ManifestPath)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	m, err := manifest.Parse(manifestBytes)
	if err != nil {
		return nil, fmt.Errorf("publish: manifest %s: %w", opts.ManifestPath, err)
	}
	objs, err := plan(m, opts.OutDir)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	p := &publisher{c: c, opts: opts}
	res := &Result{Target: opts.To.String(), BuildID: m.BuildID, DryRun: opts.DryRun, Objects: len(objs),
		ManifestKey: opts.To.Key(ManifestKey)}
	listed, err := p.list(ctx)
	if err != nil {
		return nil, err
	}
	// The bucket's history records the order of publishes: this manifest gets
	// the next sequence number, unless the newest entry already is this build
	// (a publish that stopped before manifest.json, or a re-run).
	hist := history(listed)
	histName := writer.HistoryName(writer.NextSeq(hist), m)
	historyPresent := len(hist) > 0 && hist[0].BuildID == m.BuildID && hist[0].Created == writer.CompactCreated(m)
	if historyPresent {
		histName = hist[0].Name
	}
	res.HistoryKey = opts.To.Key(HistoryPrefix + histName)
	var todo []object
	var conflicts []string
	for _, o := range objs {
		res.Bytes += o.size
		r, ok := listed[o.rel]
		if ok && r.size == o.size && opts.Checksum {
			if sum, err := fileMD5(filepath.Join(opts.OutDir, filepath.FromSlash(o.rel))); err != nil {
				return nil, fmt.Errorf("publish: %w", err)
			} else if e := strings.Trim(r.etag, `"`); len(e) == 32 && e != sum {
				conflicts = append(conflicts, fmt.Sprintf("%s: ETag %s, local MD5 %s", opts.To.Key(o.rel), e, sum))
				continue
			}
		}
		switch {
		case !ok:
			todo = append(todo, o)
			res.UploadedBytes += o.size
		case r.size != o.size:
			conflicts = append(conflicts, fmt.Sprintf("%s: %d bytes in the bucket, %d in %s", opts.To.Key(o.rel), r.size, o.size, opts.OutDir))
		default:
			res.Present++
		}
	}
	if len(conflicts) > 0 {
		more := ""
		if len(conflicts) > 10 {
			more = fmt.Sprintf("\n  ... and %d more", len(conflicts)-10)
			conflicts = conflicts[:10]
		}
		return nil, fmt.Errorf("publish: %d content-addressed objects in the bucket differ from the bake, and are never overwritten "+
			"(delete them, e.g. with `aws s3 rm`, and purge them from the CDN, then publish again):\n  %s%s",
			len(conflicts), strings.Join(conflicts, "\n  "), more)
	}
	res.Uploaded = len(todo)
	if opts.List {
		res.UploadedKeys = make([]string, len(todo))
		for i, o := range todo {
			res.UploadedKeys[i] = opts.To.Key(o.rel)
		}
	}
	old, err := p.get(ctx, ManifestKey)
	if err != nil {
		return nil, err
	}
	if opts.MaxChanges > 0 && !opts.AllowChanges {
		if res.Changes, err = p.checkChanges(ctx, m, old); err != nil {
			return nil, err
		}
	}
	unchanged := old != nil && bytes.Equal(old, manifestBytes) && historyPresent
	if opts.DryRun {
		res.Manifest = "would upload"
		if unchanged {
			res.Manifest = "unchanged"
		}
		if opts.Prune {
			if res.Prune, err = p.prune(ctx, m, histName, listed, time.Now()); err != nil {
				return nil, err
			}
		}
		res.Seconds = time.Since(start).Seconds()
		return res, nil
	}

	if err := p.uploadAll(ctx, todo); err != nil {
		return nil, fmt.Errorf("publish: %w; %s is unchanged, and a re-run resumes", err, res.ManifestKey)
	}
	if len(todo) > 0 { // what was listed before is checked already
		if listed, err = p.list(ctx); err != nil {
			return nil, err
		}
		for _, o := range objs {
			if r, ok := listed[o.rel]; !ok || r.size != o.size {
				return nil, fmt.Errorf("publish: %s is not in the bucket with %d bytes after the upload; %s is unchanged", opts.To.Key(o.rel), o.size, res.ManifestKey)
			}
		}
	}
	if unchanged {
		res.Manifest = "unchanged"
	} else {
		cc := fmt.Sprintf("public, max-age=%d", opts.ManifestMaxAge)
		ho := object{rel: HistoryPrefix + histName, size: int64(len(manifestBytes)), contentType: "application/json"}
		if !historyPresent {
			if err := p.put(ctx, ho, manifestBytes, cc); err != nil {
				return nil, fmt.Errorf("publish: manifest history: %w", err)
			}
		}
		live := object{rel: ManifestKey, size: int64(len(manifestBytes)), contentType: "application/json"}
		if err := p.put(ctx, live, manifestBytes, cc); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		res.Manifest = "uploaded"
	}
	if opts.Prune {
		if listed, err = p.list(ctx); err != nil {
			return nil, err
		}
		if res.Prune, err = p.prune(ctx, m, histName, listed, time.Now()); err != nil {
			return nil, err
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// list maps every object under the prefix, by path relative to it.
func (p *publisher) list(ctx context.Context) (map[string]remote, error) {
	out := map[string]remote{}
	pg := s3.NewListObjectsV2Paginator(p.c, &s3.ListObjectsV2Input{Bucket: aws.String(p.opts.To.Bucket), Prefix: aws.String(p.opts.To.Prefix)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("publish: list %s: %w", p.opts.To, err)
		}
		for _, o := range page.Contents {
			rel, ok := strings.CutPrefix(aws.ToString(o.Key), p.opts.To.Prefix)
			if !ok || rel == "" {
				continue
			}
			out[rel] = remote{size: aws.ToInt64(o.Size), etag: aws.ToString(o.ETag), modified: aws.ToTime(o.LastModified)}
		}
	}
	return out, nil
}

// get returns the object at rel, or nil when there is none.
func (p *publisher) get(ctx context.Context, rel string) ([]byte, error) {
	out, err := p.c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(p.opts.To.Bucket), Key: aws.String(p.opts.To.Key(rel))})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, nil
		}
		return nil, fmt.Errorf("publish: get %s: %w", p.opts.To.Key(rel), err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("publish: get %s: %w", p.opts.To.Key(rel), err)
	}
	return data, nil
}

// uploadAll uploads objs on Jobs goroutines. The first failure (after the
// client's bounded retries) stops the rest; the error counts what was done.
func (p *publisher) uploadAll(ctx context.Context, objs []object) error {
	if len(objs) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var total int64
	for _, o := range objs {
		total += o.size
	}
	var (
		mu       sync.Mutex
		firstErr error
		prog     = Progress{Total: len(objs), TotalBytes: total}
	)
	next := make(chan object)
	var wg sync.WaitGroup
	for range min(p.opts.Jobs, len(objs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range next {
				err := p.upload(ctx, o)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = fmt.Errorf("upload %s (%s): %w", p.opts.To.Key(o.rel), o.owner, err)
						cancel()
					}
				} else {
					prog.Done++
					prog.DoneBytes += o.size
					if p.opts.Progress != nil {
						p.opts.Progress(prog)
					}
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, o := range objs {
		select {
		case next <- o:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return fmt.Errorf("%w (%d of %d objects uploaded)", firstErr, prog.Done, prog.Total)
	}
	return nil
}

// upload reads one file, checks it against the manifest, and puts it.
func (p *publisher) upload(ctx context.Context, o object) error {
	data, err := os.ReadFile(filepath.Join(p.opts.OutDir, filepath.FromSlash(o.rel)))
	if err != nil {
		return err
	}
	if int64(len(data)) != o.size {
		return fmt.Errorf("%s changed while publishing: %d bytes, %d when planned", o.rel, len(data), o.size)
	}
	if o.sha256 != "" {
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != o.sha256 {
			return fmt.Errorf("%s does not hash to the manifest's sha256 %s: refusing to publish it under a content-addressed name (run `prebake verify`)", o.rel, o.sha256)
		}
	}
	return p.put(ctx, o, data, ImmutableCacheControl)
}

// put uploads data as o with its headers, then HEADs it: the object must be there
// with its size and the headers it was sent with, or clients would get bytes they
// cannot read (a variant without its Content-Encoding) or cache it wrongly.
func (p *publisher) put(ctx context.Context, o object, data []byte, cacheControl string) error {
	key := p.opts.To.Key(o.rel)
	sum := md5.Sum(data)
	in := &s3.PutObjectInput{
		Bucket:        aws.String(p.opts.To.Bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		ContentMD5:    aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		ContentType:   aws.String(o.contentType),
		CacheControl:  aws.String(cacheControl),
	}
	if o.encoding != "" {
		in.ContentEncoding = aws.String(o.encoding)
	}
	if _, err := p.c.PutObject(ctx, in); err != nil {
		return err
	}
	h, err := p.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: in.Bucket, Key: in.Key})
	if err != nil {
		return fmt.Errorf("HEAD after upload: %w", err)
	}
	for _, c := range []struct{ what, got, want string }{
		{"size", fmt.Sprint(aws.ToInt64(h.ContentLength)), fmt.Sprint(len(data))},
		{"Content-Type", aws.ToString(h.ContentType), o.contentType},
		{"Content-Encoding", aws.ToString(h.ContentEncoding), o.encoding},
		{"Cache-Control", aws.ToString(h.CacheControl), cacheControl},
	} {
		if c.got != c.want {
			return fmt.Errorf("the origin kept %s %q, not %q", c.what, c.got, c.want)
		}
	}
	return nil
}

func fileMD5(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// history lists the bucket's history entries in listed, newest first.
func history(listed map[string]remote) []writer.HistoryEntry {
	var es []writer.HistoryEntry
	for rel := range listed {
		if n, ok := strings.CutPrefix(rel, HistoryPrefix); ok {
			if e, ok := writer.ParseHistoryName(n); ok {
				es = append(es, e)
			}
		}
	}
	writer.SortHistory(es)
	return es
}
