package serve

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkServeTile is the handler's own cost for one gzip tile, without the
// network (scripts/bench-serve.sh measures serve against nginx over HTTP).
func BenchmarkServeTile(b *testing.B) {
	s, _ := newTestServerB(b)
	_, _, _, tile := fixtureFilesB(b)
	req, _ := http.NewRequest("GET", "/"+tile, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
