package locations

import (
	kzstd "github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// parquetZstdWindow is the zstd window parquetZstd encodes pages up to with.
const parquetZstdWindow = 1 << 20

// parquetZstd is parquet-go's zstd codec as encodeParquet configures it
// (zstd.Codec{Level: SpeedDefault, Concurrency: 1}: klauspost/compress, one
// goroutine, no checksum, zero-length frames written) with the encoder's window
// cut from klauspost's default 8 MiB to 1 MiB, which parquet-go's codec has no
// option for. A page up to the window is one single-segment frame under either
// window, with every match inside the page, so the bytes are the same
// (TestParquetZstdMatchesParquetGo); the encoder's history shrinks from 16 MiB
// to 2 MiB, and the 1.68 M-row table's encoders had held 16-32 MB of the
// bake's peak heap. A larger page (parquet-go fills 256 KiB pages, so none is
// expected) goes to parquet-go's codec itself. Use one per file: its encoder
// lives as long as it does.
type parquetZstd struct {
	enc  *kzstd.Encoder
	full zstd.Codec // pages over the window, and decoding
}

func newParquetZstd() (*parquetZstd, error) {
	enc, err := kzstd.NewWriter(nil,
		kzstd.WithEncoderConcurrency(1),
		kzstd.WithEncoderLevel(kzstd.SpeedDefault),
		kzstd.WithZeroFrames(true),
		kzstd.WithEncoderCRC(false),
		kzstd.WithWindowSize(parquetZstdWindow),
	)
	if err != nil {
		return nil, err
	}
	return &parquetZstd{enc: enc, full: zstd.Codec{Level: zstd.SpeedDefault, Concurrency: 1}}, nil
}

func (c *parquetZstd) String() string                            { return c.full.String() }
func (c *parquetZstd) CompressionCodec() format.CompressionCodec { return c.full.CompressionCodec() }
func (c *parquetZstd) Decode(dst, src []byte) ([]byte, error)    { return c.full.Decode(dst, src) }

func (c *parquetZstd) Encode(dst, src []byte) ([]byte, error) {
	if len(src) >= parquetZstdWindow {
		return c.full.Encode(dst, src)
	}
	return c.enc.EncodeAll(src, dst[:0]), nil
}
