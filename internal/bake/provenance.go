package bake

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/manifest"
)

// Attribution statements that the inputs' licences require beside data derived
// from them. Code-Point Open and the ONS Postcode Directory are both under the
// Open Government Licence with this three-part statement (OS, Code-Point Open
// licence terms; ONS, ONSPD user guide). A postcode,lat,lng table does not say
// where it comes from; in practice it is derived from one of the two, so it
// carries the same statement rather than none.
const (
	OGLPostcodeAttribution = "Contains OS data © Crown copyright and database right; Contains Royal Mail data © Royal Mail copyright and database right; Contains National Statistics data © Crown copyright and database right"
	SyntheticPostcodes     = "SYNTHETIC postcodes invented by prebake sample: not real data"
)

// postcodeProvenance fills each postcode source's Synthetic flag and
// Attribution, and returns what the postcode data as a whole must carry: the
// distinct attributions joined by "; ", and whether every postcode input is
// synthetic. A postcode table is synthetic when its header has a "synthetic"
// column (as prebake sample writes it): the flag follows the postcode input
// itself, never the component rows, so real Code-Point data keeps its OGL
// attribution in a bake of synthetic components.
func postcodeProvenance(sources []manifest.Source) (attribution string, synthetic bool, err error) {
	var parts []string
	seen := map[string]bool{}
	synthetic = len(sources) > 0
	for i := range sources {
		s := &sources[i]
		syn, err := hasSyntheticColumn(s.Path)
		if err != nil {
			return "", false, err
		}
		s.Synthetic = syn
		s.Attribution = OGLPostcodeAttribution
		switch {
		case syn:
			s.Attribution = SyntheticPostcodes
		case s.Format == postcode.FormatCodePoint, s.Format == postcode.FormatCodePointHeadless,
			s.Format == postcode.FormatONSPD, s.Format == postcode.FormatLatLng:
		default:
			return "", false, fmt.Errorf("postcode table %s: no attribution known for format %q", s.Path, s.Format)
		}
		synthetic = synthetic && syn
		if !seen[s.Attribution] {
			seen[s.Attribution] = true
			parts = append(parts, s.Attribution)
		}
	}
	return strings.Join(parts, "; "), synthetic, nil
}

// hasSyntheticColumn reads the first line of a (possibly gzipped) CSV and
// reports whether it names a "synthetic" column.
func hasSyntheticColumn(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return false, fmt.Errorf("postcode table %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("postcode table %s: %w", path, err)
	}
	for _, name := range strings.Split(strings.TrimSpace(line), ",") {
		if strings.EqualFold(strings.Trim(strings.TrimSpace(name), `"`), "synthetic") {
			return true, nil
		}
	}
	return false, nil
}
