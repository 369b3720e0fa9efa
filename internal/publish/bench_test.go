package publish_test

import (
	"fmt"
	"testing"

	"github.com/prebake/prebake/internal/testkit/s3test"
)

// BenchmarkPublish publishes the production-sized synthetic sample (64,000
// components, about 12,000 objects) to a real SeaweedFS on this machine: "first"
// into an empty bucket (every object uploaded and HEAD-checked), "nochange" again
// into the same bucket (one listing, nothing uploaded). scripts/bench-publish.sh
// prints both and their ratio.
func BenchmarkPublish(b *testing.B) {
	srv := s3test.Start(b)
	f := bakeSized(b, 1, 0)
	c := client(b, srv.Endpoint, 5)
	var last string
	b.Run("first", func(b *testing.B) {
		for i := range b.N {
			b.StopTimer()
			last = fmt.Sprintf("bench-%d", i)
			srv.CreateBucket(b, last)
			b.StartTimer()
			res := mustPublish(b, c, opts(f, last, "prebake/"))
			if res.Uploaded != len(f.files) {
				b.Fatalf("uploaded %d of %d", res.Uploaded, len(f.files))
			}
			b.ReportMetric(float64(res.Uploaded), "objects")
			b.ReportMetric(float64(res.UploadedBytes)/1e6, "MB")
		}
	})
	b.Run("nochange", func(b *testing.B) {
		for range b.N {
			res := mustPublish(b, c, opts(f, last, "prebake/"))
			if res.Uploaded != 0 {
				b.Fatalf("a no-change publish uploaded %d objects", res.Uploaded)
			}
			b.ReportMetric(float64(res.Objects), "objects")
		}
	})
}
