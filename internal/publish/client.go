package publish

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ClientOptions say how to reach the bucket. Credentials are never flags (they
// would show in `ps` and shell history): they come from the AWS SDK's default
// chain, the same as the aws CLI's: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN, then the shared files (~/.aws/credentials, AWS_PROFILE or
// Profile), web identity (AWS_WEB_IDENTITY_TOKEN_FILE, as CI's OIDC uses), SSO,
// and the instance or container role.
type ClientOptions struct {
	Endpoint  string        // S3-compatible endpoint URL; "" uses AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS itself
	Region    string        // "" uses AWS_REGION, AWS_DEFAULT_REGION or the profile's; "us-east-1" when none says
	Profile   string        // named profile of the shared config files; "" uses AWS_PROFILE or "default"
	PathStyle *bool         // bucket in the path (http://host/bucket/key); nil: on when an endpoint is set, as S3-compatible servers expect
	Retries   int           // retries of a failed request, with jittered exponential backoff (0: none); bounded, never forever
	Timeout   time.Duration // one attempt of one request, connection to last byte; 0 means 2 minutes
	// MaxBackoff caps the wait before a retry (the waits grow exponentially with
	// jitter, as the SDK's standard retryer does); 0 means 5 seconds.
	MaxBackoff time.Duration
}

// NewClient returns an S3 client for o, built with the AWS SDK for Go v2.
//
// Retries: the SDK's standard retryer (throttling, 5xx, connection errors and
// timeouts are retried) with at most o.Retries retries per request, and its
// client-side retry quota switched off: the quota is meant for long-running
// services, and on an origin failing one request in three it would abort a
// publish that the bounded retries would carry through.
func NewClient(ctx context.Context, o ClientOptions) (*s3.Client, error) {
	if o.Retries < 0 {
		return nil, fmt.Errorf("retries %d: want 0 or more", o.Retries)
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	httpClient := awshttp.NewBuildableClient().WithTimeout(o.Timeout).WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = 64 // parallel uploads reuse their connections
	})
	loads := []func(*config.LoadOptions) error{
		config.WithHTTPClient(httpClient),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = o.Retries + 1
				so.MaxBackoff = o.MaxBackoff
				so.RateLimiter = ratelimit.None
			})
		}),
	}
	if o.Region != "" {
		loads = append(loads, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		loads = append(loads, config.WithSharedConfigProfile(o.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // S3-compatible servers ignore it; AWS routes us-east-1 to any bucket's region
	}
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = firstEnv("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
	}
	pathStyle := endpoint != ""
	if o.PathStyle != nil {
		pathStyle = *o.PathStyle
	}
	return s3.NewFromConfig(cfg, func(so *s3.Options) {
		if endpoint != "" {
			so.BaseEndpoint = aws.String(endpoint)
		}
		so.UsePathStyle = pathStyle
		// Checksums only where S3 requires them (DeleteObjects): every upload
		// carries Content-MD5 instead, which every S3-compatible origin checks,
		// where the SDK's default CRC32 trailers are not understood by all.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	}), nil
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}
