package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/writer"
)

// httpCase is one request of testdata/http-cases.json and what to answer. The
// Django middleware's test (python/tests/test_django_http.py) runs the same
// file, so the two servers cannot drift apart.
type httpCase struct {
	File         string            `json:"file"`
	Method       string            `json:"method"`
	Headers      map[string]string `json:"headers"`
	Status       int               `json:"status"`
	Encoding     *string           `json:"encoding"`
	Vary         bool              `json:"vary"`
	Ranges       [][2]string       `json:"ranges"`
	ContentRange *string           `json:"content_range"`
	Note         string            `json:"note"`
}

var sizeExpr = regexp.MustCompile(`\{n([+-][0-9]+)?\}`)

// expand replaces {n}, {n-5}, {n+1000} by arithmetic on size and {etag} by etag.
func expand(s string, size int64, etag string) string {
	s = strings.ReplaceAll(s, "{etag}", etag)
	return sizeExpr.ReplaceAllStringFunc(s, func(m string) string {
		d := int64(0)
		if sub := sizeExpr.FindStringSubmatch(m); sub[1] != "" {
			d, _ = strconv.ParseInt(sub[1], 10, 64)
		}
		return strconv.FormatInt(size+d, 10)
	})
}

func TestSharedHTTPCases(t *testing.T) {
	_, ts := newTestServer(t)
	jsonAsset, parquet, _, tile := fixtureFiles(t)
	files := map[string]string{"asset": jsonAsset, "table": parquet, "tile": tile}
	data, err := os.ReadFile(filepath.Join("testdata", "http-cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []httpCase }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	etags := map[string]string{} // file + encoding -> ETag, the same in every case
	for i, c := range doc.Cases {
		problems := runCase(t, ts.URL, files, c, etags)
		name := fmt.Sprintf("%d %s %s", i, c.File, c.Note)
		if len(problems) > 0 {
			t.Errorf("%s %v: %s", name, c.Headers, strings.Join(problems, "; "))
		}
	}
	for k, e := range etags {
		for k2, e2 := range etags {
			if k < k2 && e == e2 {
				t.Errorf("%s and %s share ETag %s", k, k2, e)
			}
		}
	}
}

// runCase sends one case's request and lists how the answer differs from it.
func runCase(t *testing.T, base string, files map[string]string, c httpCase, etags map[string]string) []string {
	rel := files[c.File]
	accept := c.Headers["Accept-Encoding"]
	// The representation the request negotiates, and its tag: a HEAD with the
	// same Accept-Encoding only.
	var h []string
	if _, ok := c.Headers["Accept-Encoding"]; ok {
		h = []string{"Accept-Encoding", accept}
	}
	head, _ := get(t, "HEAD", base+"/"+rel, h...)
	enc := head.Header.Get("Content-Encoding")
	stored := rel
	if enc != "" {
		codec, _ := writer.CodecByName(enc)
		stored += codec.Suffix
	}
	raw := readOut(t, stored)
	size := int64(len(raw))
	etag := head.Header.Get("ETag")
	method := c.Method
	if method == "" {
		method = "GET"
	}
	var hs []string
	for k, v := range c.Headers {
		hs = append(hs, k, expand(v, size, etag))
	}
	res, body := get(t, method, base+"/"+rel, hs...)
	var p []string
	if res.StatusCode != c.Status {
		return append(p, fmt.Sprintf("status %d, want %d", res.StatusCode, c.Status))
	}
	if got := strings.Contains(res.Header.Get("Vary"), "Accept-Encoding"); got != c.Vary {
		p = append(p, fmt.Sprintf("Vary %q, want Accept-Encoding %v", res.Header.Get("Vary"), c.Vary))
	}
	if c.Status == 200 || c.Status == 206 {
		if *c.Encoding != res.Header.Get("Content-Encoding") {
			p = append(p, fmt.Sprintf("Content-Encoding %q, want %q", res.Header.Get("Content-Encoding"), *c.Encoding))
		}
		e := res.Header.Get("ETag")
		if k := c.File + " " + res.Header.Get("Content-Encoding"); etags[k] == "" {
			etags[k] = e
		} else if etags[k] != e {
			p = append(p, fmt.Sprintf("ETag %s, earlier %s", e, etags[k]))
		}
	}
	if method == "HEAD" {
		if len(body) != 0 {
			p = append(p, "HEAD with a body")
		}
		body = nil
	}
	switch c.Status {
	case 200:
		if method != "HEAD" && !bytes.Equal(body, raw) {
			p = append(p, fmt.Sprintf("body of %d bytes is not %s", len(body), stored))
		}
		if res.Header.Get("Content-Length") != strconv.FormatInt(size, 10) {
			p = append(p, fmt.Sprintf("Content-Length %q, want %d", res.Header.Get("Content-Length"), size))
		}
	case 206:
		p = append(p, checkRanges(c, res.Header.Get("Content-Type"), res.Header.Get("Content-Range"), body, raw, size, method == "HEAD")...)
	case 416:
		want := ""
		if c.ContentRange != nil {
			want = expand(*c.ContentRange, size, etag)
		}
		if got := res.Header.Get("Content-Range"); got != want {
			p = append(p, fmt.Sprintf("Content-Range %q, want %q", got, want))
		}
	}
	return p
}

func checkRanges(c httpCase, ctype, crange string, body, raw []byte, size int64, head bool) []string {
	type part struct {
		first, last int64
	}
	var want []part
	for _, r := range c.Ranges {
		a, _ := strconv.ParseInt(expand(r[0], size, ""), 10, 64)
		b, _ := strconv.ParseInt(expand(r[1], size, ""), 10, 64)
		want = append(want, part{a, b})
	}
	if len(want) == 1 {
		w := fmt.Sprintf("bytes %d-%d/%d", want[0].first, want[0].last, size)
		if crange != w {
			return []string{fmt.Sprintf("Content-Range %q, want %q", crange, w)}
		}
		if !head && !bytes.Equal(body, raw[want[0].first:want[0].last+1]) {
			return []string{"the range's bytes differ"}
		}
		return nil
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil || mt != "multipart/byteranges" {
		return []string{fmt.Sprintf("Content-Type %q for %d ranges", ctype, len(want))}
	}
	if head {
		return nil
	}
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for i, w := range want {
		pt, err := r.NextPart()
		if err != nil {
			return []string{fmt.Sprintf("part %d: %v", i, err)}
		}
		got, _ := io.ReadAll(pt)
		if cr := pt.Header.Get("Content-Range"); cr != fmt.Sprintf("bytes %d-%d/%d", w.first, w.last, size) || !bytes.Equal(got, raw[w.first:w.last+1]) {
			return []string{fmt.Sprintf("part %d: %q with %d bytes, want bytes %d-%d", i, cr, len(got), w.first, w.last)}
		}
	}
	if _, err := r.NextPart(); err != io.EOF {
		return []string{fmt.Sprintf("more than %d parts", len(want))}
	}
	return nil
}
