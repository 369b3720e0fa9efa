package writer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli/matchfinder"

	"github.com/prebake/prebake/manifest"
)

// AssetWriter writes an asset whose bytes are produced a piece at a time: they
// go to a staging file as they come, hashed on the way, so that a large asset
// (a table, the location groups' GeoJSON, hundreds of MB at a million
// components) is never whole in memory, and its variants are compressed from
// that file. Close places it exactly as WriteAsset places the same bytes: the
// same name, variants and manifest entry, byte for byte
// (TestCreateAssetEqualsWriteAsset). An AssetWriter is not safe for concurrent
// use.
type AssetWriter struct {
	w    *Writer
	name string
	meta Meta
	f    *os.File
	buf  *bufio.Writer
	sum  hash.Hash // SHA-256: the name and the manifest's sha256
	sri  hash.Hash // SHA-384: the manifest's integrity
	n    int64
	err  error // the first write error; Close returns it
	done bool
}

// CreateAsset starts the asset with logical name (as WriteAsset's name). Write
// its bytes, then Close to place it; Abort (or a failed Write or Close) leaves
// nothing but the staging file, which the Writer removes when it closes.
func (w *Writer) CreateAsset(name string, meta Meta) (*AssetWriter, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if w.hasAsset(name) {
		return nil, fmt.Errorf("asset %q written twice", name)
	}
	stage, err := w.staging()
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(stage, "a-")
	if err != nil {
		return nil, err
	}
	a := &AssetWriter{w: w, name: name, meta: meta, f: f, sum: sha256.New(), sri: sha512.New384()}
	a.buf = bufio.NewWriterSize(f, streamBlock)
	return a, nil
}

// streamBlock is the size of the pieces an AssetWriter buffers, and of the
// blocks its variants are encoded from: brotliBig's block, so that a streamed
// big asset's brotli is fed exactly as Compress feeds the whole bytes.
const streamBlock = 1 << 16

// Write adds p to the asset. It never keeps p.
func (a *AssetWriter) Write(p []byte) (int, error) {
	if a.err != nil {
		return 0, a.err
	}
	if a.done {
		return 0, fmt.Errorf("asset %q: write after Close", a.name)
	}
	n, err := a.buf.Write(p)
	a.sum.Write(p[:n])
	a.sri.Write(p[:n])
	a.n += int64(n)
	if err != nil {
		a.err = fmt.Errorf("asset %q: %w", a.name, err)
	}
	return n, a.err
}

// SpillSize is how many bytes Spill lets a producer's buffer hold before it
// writes them out.
const SpillSize = 1 << 20

// Spill is for producers that append an asset's bytes to a buffer b: called
// between records, it writes b to the asset once b holds SpillSize bytes or
// more and returns b emptied for reuse; otherwise it returns b as it is. The
// producer writes what is left with Write before Close.
func (a *AssetWriter) Spill(b []byte) ([]byte, error) {
	if len(b) < SpillSize {
		return b, nil
	}
	_, err := a.Write(b)
	return b[:0], err
}

// Abort drops the asset: nothing is placed and the staging file is removed.
func (a *AssetWriter) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.f.Close()
	os.Remove(a.f.Name())
}

// Close places the asset and its variants, adds it to the manifest and returns
// its entry, as WriteAsset does for the same bytes.
func (a *AssetWriter) Close() (manifest.Asset, error) {
	if a.done {
		return manifest.Asset{}, fmt.Errorf("asset %q: closed twice", a.name)
	}
	if a.err == nil {
		if err := a.buf.Flush(); err != nil {
			a.err = fmt.Errorf("asset %q: %w", a.name, err)
		}
	}
	if a.err != nil {
		a.Abort()
		return manifest.Asset{}, a.err
	}
	a.done = true
	tmp := a.f.Name()
	startWriteback(a.f)
	if err := a.f.Close(); err != nil {
		os.Remove(tmp)
		return manifest.Asset{}, fmt.Errorf("asset %q: %w", a.name, err)
	}
	h := hex.EncodeToString(a.sum.Sum(nil))
	rel := hashedName(a.name, h)
	encs, err := a.w.placeStaged(rel, tmp, a.n, a.meta.codecs(a.name))
	if err != nil {
		os.Remove(tmp)
		return manifest.Asset{}, fmt.Errorf("asset %q: %w", a.name, err)
	}
	ct := a.meta.ContentType
	if ct == "" {
		ct = ContentType(a.name)
	}
	asset := manifest.Asset{Path: rel, URL: a.w.url(rel), SHA256: h, Integrity: "sha384-" + base64.StdEncoding.EncodeToString(a.sri.Sum(nil)),
		Size: a.n, ContentType: ct, Encodings: encs, Rows: a.meta.Rows, Columns: a.meta.Columns}
	if err := a.w.addAsset(a.name, asset); err != nil {
		return manifest.Asset{}, err
	}
	return asset, nil
}

// placeStaged is placeAsset for bytes already in the staging file tmp (size
// bytes, which it moves or removes): the same variants, decided the same way,
// and the original renamed into place last.
func (w *Writer) placeStaged(rel, tmp string, size int64, codecs []Codec) (map[string]manifest.Encoding, error) {
	final := filepath.Join(w.opts.OutDir, filepath.FromSlash(rel))
	if size < BrotliBigSize {
		// Small enough to read back: WriteAsset's path, the original
		// renamed from tmp.
		data, err := os.ReadFile(tmp)
		if err != nil {
			return nil, err
		}
		return w.placeAsset(rel, data, codecs, tmp)
	}
	var encs map[string]manifest.Encoding
	if same, err := sameFiles(final, tmp, size); err != nil {
		return nil, err
	} else if same {
		encs, codecs = existingVariants(final, rel, size, codecs, func() (io.ReadCloser, error) { return os.Open(tmp) })
		if len(codecs) == 0 {
			os.Remove(tmp)
			return encs, nil
		}
	}
	stage, err := w.staging()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return nil, err
	}
	if len(codecs) > 0 {
		type variant struct {
			tmp  string
			size int64
		}
		out := make([]variant, len(codecs))
		defer func() {
			for _, v := range out {
				if v.tmp != "" {
					os.Remove(v.tmp) // one not placed (an error, or not worth it)
				}
			}
		}()
		if err := w.parallel(len(codecs), func(i int) (err error) {
			out[i].tmp, out[i].size, err = compressFile(codecs[i].Name, tmp, stage)
			return err
		}); err != nil {
			return nil, err
		}
		for i, c := range codecs {
			if !worthIt(out[i].size, size) {
				continue
			}
			wrote, err := placeStagedFile(out[i].tmp, final+c.Suffix, out[i].size)
			if err != nil {
				return nil, err
			}
			out[i].tmp = ""
			if wrote {
				w.countWritten(1)
			}
			if encs == nil {
				encs = map[string]manifest.Encoding{}
			}
			encs[c.Name] = manifest.Encoding{Path: rel + c.Suffix, Size: out[i].size}
		}
	}
	wrote, err := placeStagedFile(tmp, final, size)
	if err != nil {
		return nil, err
	}
	if wrote {
		w.countWritten(1)
	}
	return encs, nil
}

// placeStagedFile renames the staging file tmp (size bytes) to final, unless
// final already holds the same bytes (then tmp is removed); it reports whether
// it wrote, as placeFile does.
func placeStagedFile(tmp, final string, size int64) (bool, error) {
	same, err := sameFiles(final, tmp, size)
	if err != nil {
		return false, err
	}
	if same {
		os.Remove(tmp)
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return false, err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return false, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return false, err
	}
	return true, nil
}

// sameFiles reports whether the regular file at p holds exactly the size bytes
// of the file at tmp; a p that is absent or not a regular file is not the same.
func sameFiles(p, tmp string, size int64) (bool, error) {
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != size {
		return false, nil
	}
	a, err := os.Open(p)
	if err != nil {
		return false, nil
	}
	defer a.Close()
	b, err := os.Open(tmp)
	if err != nil {
		return false, err
	}
	defer b.Close()
	return sameStream(a, b)
}

// sameStream reports whether a and b hold the same bytes, each read to its
// end. A read error of b is returned; one of a counts as a difference.
func sameStream(a, b io.Reader) (bool, error) {
	x := make([]byte, streamBlock)
	y := make([]byte, streamBlock)
	for {
		n, errA := io.ReadFull(a, x)
		m, errB := io.ReadFull(b, y)
		if n != m || !bytes.Equal(x[:n], y[:m]) {
			return false, nil
		}
		endA := errA == io.EOF || errA == io.ErrUnexpectedEOF
		endB := errB == io.EOF || errB == io.ErrUnexpectedEOF
		if errB != nil && !endB {
			return false, errB
		}
		if errA != nil && !endA {
			return false, nil
		}
		if endA || endB {
			return endA && endB, nil
		}
	}
}

// decodesTo reports whether the file at p, decoded with codec name, holds
// exactly the bytes open reads: a variant as it was written, not truncated or
// corrupted on disk.
func decodesTo(p, name string, open func() (io.ReadCloser, error)) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	d, err := NewDecoder(name, bufio.NewReaderSize(f, streamBlock))
	if err != nil {
		return false
	}
	defer d.Close()
	o, err := open()
	if err != nil {
		return false
	}
	defer o.Close()
	same, err := sameStream(d, o)
	return err == nil && same
}

// compressFile encodes the file at src (BrotliBigSize bytes or more) with codec
// name into a new file in stage, read and fed streamBlock bytes at a time,
// giving Compress's bytes for the same input (TestCompressReaderEqualsCompress).
// It returns the new file's path and size.
func compressFile(name, src, stage string) (string, int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", 0, err
	}
	defer in.Close()
	f, err := os.CreateTemp(stage, "v-")
	if err != nil {
		return "", 0, err
	}
	bw := bufio.NewWriterSize(f, streamBlock)
	n, err := compressReader(name, bw, in)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		startWriteback(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", 0, err
	}
	return f.Name(), n, nil
}

// compressReader writes to dst the encoding, with codec name, of all of r
// (BrotliBigSize bytes or more, where Compress takes brotliBig and GzipLevel),
// and returns its size.
func compressReader(name string, dst io.Writer, r io.Reader) (int64, error) {
	cw := &countingWriter{w: dst}
	var enc io.WriteCloser
	switch name {
	case "br":
		bigBrotli <- struct{}{}
		defer func() { <-bigBrotli }()
		mw := bigBrotliWriters.Get().(*matchfinder.Writer)
		defer bigBrotliWriters.Put(mw)
		mw.Reset(cw)
		enc = mw
	case "gzip":
		pool := encPool(name, GzipLevel)
		got := pool.Get()
		if err, ok := got.(error); ok {
			return 0, err
		}
		defer pool.Put(got)
		zw := got.(interface {
			io.WriteCloser
			Reset(io.Writer)
		})
		zw.Reset(cw)
		enc = zw
	default:
		return 0, fmt.Errorf("unknown encoding %q", name)
	}
	block := make([]byte, streamBlock)
	for {
		n, err := io.ReadFull(r, block)
		if n > 0 {
			if _, werr := enc.Write(block[:n]); werr != nil {
				return 0, werr
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if err := enc.Close(); err != nil {
		return 0, err
	}
	return cw.n, cw.err
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}
