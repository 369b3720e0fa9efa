package serve

import (
	"slices"
	"strconv"
	"strings"
)

// preference orders the encodings when the client weighs them equally: brotli
// is the smallest of prebake's variants, then zstd, then gzip (docs/manifest.md).
var preference = []string{"br", "zstd", "gzip"}

// acceptWeights parses an Accept-Encoding header (RFC 9110 §12.5.3) into coding
// -> qvalue, lower-cased; "*" stands for every coding not named. Hand-written
// because the rule is a dozen lines and the standard library has no parser for
// it; TestNegotiate checks it against the RFC's examples.
func acceptWeights(header string) map[string]float64 {
	w := map[string]float64{}
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0 // an invalid weight is no acceptance
				}
				q = f
			}
		}
		if coding == "x-gzip" { // RFC 9110 §8.4.1.3: an alias of gzip
			coding = "gzip"
		}
		w[coding] = q
	}
	return w
}

func weight(w map[string]float64, coding string) float64 {
	if q, ok := w[coding]; ok {
		return q
	}
	if q, ok := w["*"]; ok {
		return q
	}
	return 0
}

// negotiate picks, among the available encodings, the one the client weighs
// highest (ties: brotli, zstd, gzip), or "" for the original. With no
// Accept-Encoding header the original is sent (RFC 9110 allows any coding, but
// a client that says nothing may not decode one).
func negotiate(header string, available []string) string {
	if strings.TrimSpace(header) == "" || len(available) == 0 {
		return ""
	}
	w := acceptWeights(header)
	best, bestQ := "", 0.0
	for _, enc := range preference {
		if !slices.Contains(available, enc) {
			continue
		}
		if q := weight(w, enc); q > bestQ {
			best, bestQ = enc, q
		}
	}
	// The original wins when the client prefers it to every variant it accepts.
	if best != "" && identityWeight(w) > bestQ {
		return ""
	}
	return best
}

// identityWeight is the weight of the unencoded original: acceptable unless
// excluded by "identity;q=0", or by "*;q=0" without identity named.
func identityWeight(w map[string]float64) float64 {
	if q, ok := w["identity"]; ok {
		return q
	}
	if q, ok := w["*"]; ok && q == 0 {
		return 0
	}
	return 0.001 // acceptable, but below any coding the client names
}

// acceptsIdentity reports whether the original may be sent.
func acceptsIdentity(header string) bool {
	if strings.TrimSpace(header) == "" {
		return true
	}
	return identityWeight(acceptWeights(header)) > 0
}
