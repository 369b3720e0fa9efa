package writer

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// TestCompressReaderEqualsCompress feeds each big input of the corpus (and
// incompressible random bytes) to compressReader through readers that return
// it in pieces of every size, and requires Compress's bytes for every codec.
func TestCompressReaderEqualsCompress(t *testing.T) {
	inputs := bigInputs(t)
	noise := make([]byte, 1<<20+12345)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	// Three big blocks and a short last one, and a whole number of blocks.
	inputs = append(inputs, noise, bytes.Repeat([]byte(`{"a":[1,2,3]},`), 3*streamBlock/14*14/14+streamBlock))
	inputs = append(inputs, bytes.Repeat([]byte("x"), 20*streamBlock))
	if len(inputs) < 4 {
		t.Fatalf("%d big inputs", len(inputs))
	}
	for i, data := range inputs {
		if len(data) < BrotliBigSize {
			t.Fatalf("input %d: %d bytes, under BrotliBigSize", i, len(data))
		}
		for _, c := range Codecs {
			want, err := Compress(c.Name, data)
			if err != nil {
				t.Fatal(err)
			}
			readers := map[string]func() *bytes.Reader{"whole": func() *bytes.Reader { return bytes.NewReader(data) }}
			for name, mk := range readers {
				for _, wrap := range []struct {
					name string
					r    func() interface{ Read([]byte) (int, error) }
				}{
					{"as is", func() interface{ Read([]byte) (int, error) } { return mk() }},
					{"half reads", func() interface{ Read([]byte) (int, error) } { return iotest.HalfReader(mk()) }},
					{"data with EOF", func() interface{ Read([]byte) (int, error) } { return iotest.DataErrReader(mk()) }},
				} {
					var got bytes.Buffer
					n, err := compressReader(c.Name, &got, wrap.r())
					if err != nil {
						t.Fatal(err)
					}
					if n != int64(got.Len()) || !bytes.Equal(got.Bytes(), want) {
						t.Errorf("input %d (%d bytes), %s, %s %s: %d bytes (reported %d), Compress gives %d", i, len(data), c.Name, name, wrap.name, got.Len(), n, len(want))
					}
				}
			}
		}
	}
}
