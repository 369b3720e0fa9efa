package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// The JSON readers walk the container with json.Decoder tokens and decode one row
// at a time, so memory holds one row, not the file.

func (r *reader) fileErr(fs *fileState, dec *json.Decoder, rec int, field string, err error) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = syntaxErrorOffset(dec, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of file: truncated JSON")
	}
	fe := &FileError{File: fs.path, Format: fs.format, Offset: fs.base + off, Record: rec, Field: field, Err: err}
	fe.locate()
	return fe
}

// syntaxErrorOffset is the 0-based stream offset of the byte a json.Decoder
// choked on. A SyntaxError from Decoder.Token's own checks carries the exact
// offset, but one from decoding a value counts only the bytes the Decoder's
// scanner has seen in values (not the delimiters Token consumed), so it points
// thousands of bytes early in a long file. The Decoder leaves the failed value
// unconsumed in its buffer: scanning that again from the value's start, where
// the stream offset is known, gives the exact byte.
func syntaxErrorOffset(dec *json.Decoder, se *json.SyntaxError) int64 {
	start := dec.InputOffset()
	rest, _ := io.ReadAll(dec.Buffered())
	var v json.RawMessage
	var again *json.SyntaxError
	if errors.As(json.Unmarshal(rest, &v), &again) && again.Error() == se.Error() {
		return start + again.Offset - 1 // Offset counts the bad byte itself
	}
	return se.Offset // Token's own error: already the stream offset of the bad byte
}

// expectDelim reads one token and requires it to be d.
func (r *reader) expectDelim(fs *fileState, dec *json.Decoder, rec int, field string, d json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return r.fileErr(fs, dec, rec, field, err)
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return r.fileErr(fs, dec, rec, field, fmt.Errorf("want %s, got %s", what, tokenString(tok)))
	}
	return nil
}

func tokenString(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", string(t))
	case string:
		return fmt.Sprintf("the string %q", t)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// nextKey reads an object member's name, within field.
func (r *reader) nextKey(fs *fileState, dec *json.Decoder, rec int, field string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", r.fileErr(fs, dec, rec, field, err)
	}
	key, _ := tok.(string)
	return key, nil
}

// expectEOF requires nothing but whitespace after the top-level value.
func (r *reader) expectEOF(fs *fileState, dec *json.Decoder, rec int) error {
	tok, err := dec.Token()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return r.fileErr(fs, dec, rec, "", err)
	}
	return r.fileErr(fs, dec, rec, "", fmt.Errorf("trailing data after the JSON value: %s", tokenString(tok)))
}

// rows decodes the elements of an array whose '[' has been read, through its ']'.
func (r *reader) rows(fs *fileState, dec *json.Decoder, rec *int, field string) error {
	for dec.More() {
		*rec++
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return r.fileErr(fs, dec, *rec, field, err)
		}
		if err := r.addJSONRow(fs, *rec, raw, true); err != nil {
			return err
		}
	}
	return r.expectDelim(fs, dec, *rec, field, ']', "the end of the array of rows")
}

// addJSONRow accounts for one array element or NDJSON line. decoded says raw
// came whole out of a json.Decoder, which has validated it.
func (r *reader) addJSONRow(fs *fileState, rec int, raw []byte, decoded bool) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		fs.src.Counts.Read++
		r.reject(fs, rec, "", ReasonNotARow, "want a row object, got "+describe(raw))
		return nil
	}
	// An NDJSON line has not been through a Decoder.
	if !decoded && !json.Valid(raw) {
		var obj map[string]json.RawMessage
		err := json.Unmarshal(raw, &obj) // for its message
		fs.src.Counts.Read++
		r.reject(fs, rec, "", ReasonNotARow, fmt.Sprintf("row does not parse: %v", err))
		return nil
	}
	// One row at a time per parser: its map and its column names are reused
	// (addRow copies what it keeps), which was most of what parsing allocated.
	if r.scratch == nil {
		r.scratch = &rawRow{fields: make(map[string]cell, 16)}
	}
	row := r.scratch
	*row = rawRow{fields: row.fields}
	clear(row.fields)
	repeated := splitInto(row, raw, &r.keys)
	if repeated != "" {
		// A map keeps one value of a repeated key; which one a reader keeps
		// varies, so the row is rejected rather than read one way.
		fs.src.Counts.Read++
		r.reject(fs, rec, repeated, ReasonBadValue, fmt.Sprintf("the row names %q more than once", repeated))
		return nil
	}
	// Unmarshal replaces invalid UTF-8 in keys; catch it from the raw bytes.
	row.badKey = !utf8.Valid(raw)
	return r.addRow(fs, rec, row)
}

// splitObject cuts a valid JSON object (json.Valid said so) into its members:
// each name unescaped as encoding/json would (invalid UTF-8 becomes U+FFFD),
// each value its raw bytes. It returns the first name the object repeats, if
// any. Written by hand because decoding the row into a
// map[string]json.RawMessage (reflection, a second validation, a map of
// RawMessages copied into cells) was the largest part of reading the register
// (BenchmarkReadSample under -cpuprofile).
// TestSplitObjectMatchesUnmarshal checks it against json.Unmarshal.
func splitObject(raw []byte) (*rawRow, string) {
	row := &rawRow{fields: make(map[string]cell, 8)}
	if repeated := splitInto(row, raw, nil); repeated != "" {
		return nil, repeated
	}
	return row, ""
}

// maxKeys bounds a parser's cache of column names (cachedKey): a register has
// a few dozen; a file whose rows all name different keys is not cached past it.
const maxKeys = 1024

// splitInto is splitObject into row, whose fields must be empty. keys, when
// not nil, caches the column names already seen, so that a name is one string
// however many rows repeat it.
func splitInto(row *rawRow, raw []byte, keys *map[string]string) string {
	i := skipSpace(raw, 1) // past '{'
	for i < len(raw) && raw[i] != '}' {
		end := stringEnd(raw, i)
		key := cachedKey(raw[i:end], keys)
		i = skipSpace(raw, end)
		i = skipSpace(raw, i+1) // past ':'
		vend := valueEnd(raw, i)
		if _, dup := row.fields[key]; dup {
			return key
		}
		row.fields[key] = jsonCell(raw[i:vend:vend])
		i = skipSpace(raw, vend)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return ""
}

// cachedKey is objectKey(q), taken from *keys when an equal quoted name was
// seen before (the lookup by string(q) does not allocate).
func cachedKey(q []byte, keys *map[string]string) string {
	if keys == nil {
		return objectKey(q)
	}
	if k, ok := (*keys)[string(q)]; ok {
		return k
	}
	k := objectKey(q)
	if *keys == nil {
		*keys = map[string]string{}
	}
	if len(*keys) < maxKeys {
		(*keys)[string(q)] = k
	}
	return k
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string starting at b[i] ('"').
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd returns the index just past the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}

// objectKey is a quoted member name as a Go string: the bytes between the
// quotes when they need no decoding, else what encoding/json makes of them.
func objectKey(q []byte) string {
	inner := q[1 : len(q)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain || (bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner)) {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(q, &s) // valid JSON: it cannot fail
	return s
}

// addObjectRow accounts for a row decoded from raw into its members.
func (r *reader) addObjectRow(fs *fileState, rec int, raw []byte, obj map[string]json.RawMessage) error {
	row := jsonRow(obj)
	// Unmarshal replaces invalid UTF-8 in keys; catch it from the raw bytes.
	row.badKey = !utf8.Valid(raw)
	return r.addRow(fs, rec, row)
}

func (r *reader) readJSONArray(fs *fileState, br *bufio.Reader) error {
	dec := json.NewDecoder(br)
	rec := 0
	if err := r.expectDelim(fs, dec, rec, "", '[', "a JSON array of rows"); err != nil {
		return err
	}
	if err := r.rows(fs, dec, &rec, ""); err != nil {
		return err
	}
	return r.expectEOF(fs, dec, rec)
}

func (r *reader) readAppCache(fs *fileState, br *bufio.Reader) error {
	dec := json.NewDecoder(br)
	rec := 0
	if err := r.expectDelim(fs, dec, rec, "", '{', `an object { "<CMU key>": [row, ...] }`); err != nil {
		return err
	}
	for dec.More() {
		key, err := r.nextKey(fs, dec, rec, "")
		if err != nil {
			return err
		}
		if err := r.expectDelim(fs, dec, rec, key, '[', "an array of rows under the key"); err != nil {
			return err
		}
		if err := r.rows(fs, dec, &rec, key); err != nil {
			return err
		}
	}
	if err := r.expectDelim(fs, dec, rec, "", '}', "the end of the object"); err != nil {
		return err
	}
	return r.expectEOF(fs, dec, rec)
}

func (r *reader) readNDJSON(fs *fileState, br *bufio.Reader) error {
	off := fs.base
	line, rec := 0, 0
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			t := bytes.TrimSpace(b)
			if len(t) > 0 {
				rec++
				if !json.Valid(t) {
					var v json.RawMessage
					perr := json.Unmarshal(t, &v)
					if perr == nil {
						perr = errors.New("invalid JSON")
					}
					var se *json.SyntaxError
					at := off + int64(bytes.Index(b, t))
					if errors.As(perr, &se) {
						at += se.Offset - 1 // Offset counts the bad byte itself
					}
					if err == io.EOF && !bytes.HasSuffix(b, []byte("\n")) {
						perr = fmt.Errorf("%v (truncated last line?)", perr)
					}
					fe := &FileError{File: fs.path, Format: fs.format, Offset: at, Line: line, Record: rec, Err: perr}
					fe.locate()
					return fe
				}
				if err := r.addJSONRow(fs, rec, t, false); err != nil {
					return err
				}
			}
			off += int64(len(b))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &FileError{File: fs.path, Format: fs.format, Offset: off, Line: line, Err: err}
		}
	}
}

// wholeMax is the largest JSON file readWhole takes into memory; a larger
// file is streamed through a json.Decoder, so memory stays bounded by the rows
// kept (TestReadMemoryBounded).
var wholeMax int64 = 16 << 20 // a variable for TestReadWholeMatchesDecoder

// readWhole reads an app-cache object or a JSON array of rows of at most
// wholeMax bytes at once: one json.Valid pass over the file, then each row cut
// out by hand (valueEnd) and split by splitObject, which a valid file lets
// skip all further validation. Streaming every row through a json.Decoder
// (which scans each value twice and copies it) was the largest part of reading
// the 64k sample. Rows are accounted for exactly as the Decoder path does,
// record numbers included. A file that is not valid JSON, or not shaped as
// its format says, is left to the Decoder path, whose errors name the place:
// readWhole then returns a reader over the same bytes and done false, having
// touched nothing.
func (r *reader) readWhole(fs *fileState, format string, br *bufio.Reader, size int64) (*bufio.Reader, bool, error) {
	if size < 0 || size > wholeMax {
		return br, false, nil
	}
	// Sized to the file (plus bytes.Buffer's MinRead, so that ReadFrom never
	// grows it): io.ReadAll's doubling copied and dropped about as much again.
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := buf.ReadFrom(br)
	data := buf.Bytes()
	if err != nil {
		return nil, false, fmt.Errorf("source %s: %w", fs.path, err)
	}
	again := bufio.NewReader(bytes.NewReader(data))
	if !json.Valid(data) {
		return again, false, nil
	}
	i := skipSpace(data, 0)
	var arrays [][2]int // each array of rows: where its elements start and its end
	switch {
	case format == FormatJSON && data[i] == '[':
		arrays = append(arrays, [2]int{i, valueEnd(data, i)})
	case format == FormatAppCache && data[i] == '{':
		j := skipSpace(data, i+1)
		for j < len(data) && data[j] != '}' {
			j = skipSpace(data, stringEnd(data, j))
			j = skipSpace(data, j+1) // past ':'
			if data[j] != '[' {
				return again, false, nil // the Decoder path names the key
			}
			end := valueEnd(data, j)
			arrays = append(arrays, [2]int{j, end})
			j = skipSpace(data, end)
			if j < len(data) && data[j] == ',' {
				j = skipSpace(data, j+1)
			}
		}
	default:
		return again, false, nil
	}
	rec := 0
	for _, a := range arrays {
		j := skipSpace(data, a[0]+1)
		for j < a[1] && data[j] != ']' {
			end := valueEnd(data, j)
			rec++
			if err := r.addJSONRow(fs, rec, data[j:end:end], true); err != nil {
				return nil, false, err
			}
			j = skipSpace(data, end)
			if j < a[1] && data[j] == ',' {
				j = skipSpace(data, j+1)
			}
		}
	}
	return again, true, nil
}
