// Package publish puts a bake on a CDN's origin, an S3 bucket (AWS S3 or any
// S3-compatible store: Cloudflare R2, MinIO, SeaweedFS, ...), safely and
// incrementally. `prebake publish --to s3://bucket/prefix` is its command.
//
// # What goes where
//
// Every file the manifest names keeps its path under the prefix:
//
//	<prefix>/cmu/cmu_to_company.<hash>.json           an asset, original bytes, no Content-Encoding
//	<prefix>/cmu/cmu_to_company.<hash>.json.br        its variant: Content-Encoding: br, the original's Content-Type
//	<prefix>/maptiles/default/DSR.<hash>/3/4/2.json(.br)   every file of a set, and its variant
//	<prefix>/maptiles/DSR.<hash>.sha256               the set's index
//	<prefix>/.prebake/manifests/<seq>-<created>-<build_id>.json   every published manifest, numbered in publish order (for --prune)
//	<prefix>/manifest.json                            the live manifest, written last
//
// So the manifest's paths (and its URLs, when base_url is the CDN's URL of the
// prefix) resolve in the bucket as they do in the output directory.
//
// # Compressed variants
//
// S3 serves one object per key and negotiates nothing, so the plain key always
// holds the original bytes with no Content-Encoding: a client that sends no
// Accept-Encoding (curl, pandas, a Python urllib) gets what it can read. Each
// pre-compressed variant is its own object beside it (x.json.br, .gz, as in
// the output directory) stored with "Content-Encoding: br" (gzip; zstd for older bakes) and the
// original's Content-Type, so:
//
//   - a browser fetching x.json gets the original, which the CDN may compress on
//     the fly (CloudFront, Cloudflare and Fastly do for JSON);
//   - a client that picks a variant from the manifest's encodings (the set's
//     "encodings" hold for every file) fetches x.json.br and its HTTP stack
//     decodes it transparently, because of the Content-Encoding header;
//   - a CDN edge rule can serve x.json.br for x.json when Accept-Encoding allows
//     br (and add Vary: Accept-Encoding), as nginx's brotli_static does on disk.
//
// The opposite choice, the best encoding under the plain key, breaks every
// client that does not send Accept-Encoding, since S3 does not decode.
//
// # Headers
//
// Content-Type is the manifest's (sets: by extension, writer.ContentType).
// Every content-addressed object gets ImmutableCacheControl; manifest.json and
// its history copy get "public, max-age=60" (Options.ManifestMaxAge), so a new
// bake is live within a minute of its manifest. Every upload carries Content-MD5,
// so the origin refuses bytes damaged on the way, and is then checked with HEAD:
// size, Content-Type, Content-Encoding and Cache-Control must be what was sent.
//
// # Safe and incremental
//
// Publish lists the prefix, uploads in parallel what is missing (a key present
// with the same size is skipped; one with another size is an error: a
// content-addressed key is never overwritten), lists again to check that every
// named object is present with its size, and only then writes the history copy
// and manifest.json. A reader of manifest.json never meets a missing object. A
// run killed, or failing on an origin that keeps failing (each request is retried
// a bounded number of times, with exponential backoff), leaves the old
// manifest.json in force, and a re-run uploads only what is still missing; a run
// with nothing new uploads nothing and leaves manifest.json as it was.
//
// # Pruning
//
// Each publish writes its history copy as the next number of the bucket's
// history (writer.HistoryName: one past the highest listed), unless the newest
// entry already is this bake, so the history is in publish order: bakes that
// share a created time, or an older bake published again (a roll-back, which
// becomes the newest), are ordered as they were published.
//
// With Options.Prune, after the manifest is written, every object that some
// manifest of the history named (writer.Named: assets, variants, set indexes
// and the files they list) and that neither the current manifest nor the
// last Keep builds published name is deleted, set indexes after the files
// they list, then the older history entries: the same rule as writer.Prune on
// an output directory. An object no manifest of the history named is not
// prebake's and is left alone, whatever its name; so are unreferenced objects
// younger than PruneMinAge (default 1 h in the CLI), which may be the uploads
// of a publish still running, and while any is spared the history entries stay
// so that a later prune still knows them. Keep N at least the number of
// deploys that may still serve an older manifest.
//
// # CORS
//
// Map pages on the app's origin fetch tiles, shards and the PMTiles archive (with
// Range requests) from the CDN, so the bucket (or the CDN in front of it) needs
// the CORS rules in docs/publish-cors.json: GET and HEAD from any origin (the
// files are public and no credentials are sent; name the app's origins instead
// to be strict), the Range and If-Match request headers PMTiles clients send, and
// ETag, Content-Range and Content-Encoding exposed to scripts. Apply them with
//
//	aws s3api put-bucket-cors --bucket BUCKET --cors-configuration file://docs/publish-cors.json
//
// TestCORSRules applies that file to the test server and checks a preflight.
//
// # The S3 client
//
// The AWS SDK for Go v2 (github.com/aws/aws-sdk-go-v2/service/s3): AWS's own
// client, released weekly, and it resolves credentials, region, profile and
// endpoint exactly as the aws CLI does (the same environment variables and
// ~/.aws files, web identity for CI's OIDC, SSO, instance roles), so a CI job
// configured for `aws s3` works unchanged. minio-go would also do; it has its
// own, smaller credential chain.
package publish
