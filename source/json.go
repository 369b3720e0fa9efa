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
		if err := r.addJSONRow(fs, *rec, raw); err != nil {
			return err
		}
	}
	return r.expectDelim(fs, dec, *rec, field, ']', "the end of the array of rows")
}

// addJSONRow accounts for one array element or NDJSON line.
func (r *reader) addJSONRow(fs *fileState, rec int, raw []byte) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		fs.src.Counts.Read++
		r.reject(fs, rec, "", ReasonNotARow, "want a row object, got "+describe(raw))
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		fs.src.Counts.Read++
		r.reject(fs, rec, "", ReasonNotARow, "row does not parse: "+err.Error())
		return nil
	}
	if topLevelKeys(raw) != len(obj) {
		// A map keeps one value of a repeated key; which one a reader keeps
		// varies, so the row is rejected rather than read one way.
		fs.src.Counts.Read++
		name := repeatedKey(raw)
		r.reject(fs, rec, name, ReasonBadValue, fmt.Sprintf("the row names %q more than once", name))
		return nil
	}
	return r.addObjectRow(fs, rec, raw, obj)
}

// topLevelKeys counts the member names of a JSON object (valid JSON, as
// json.Unmarshal accepted it): strings at depth 1 followed by a colon.
func topLevelKeys(raw []byte) int {
	depth, n := 0, 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			j := i + 1
			for j < len(raw) && raw[j] != '"' {
				if raw[j] == '\\' {
					j++
				}
				j++
			}
			if depth == 1 {
				k := j + 1
				for k < len(raw) && (raw[k] == ' ' || raw[k] == '\t' || raw[k] == '\n' || raw[k] == '\r') {
					k++
				}
				if k < len(raw) && raw[k] == ':' {
					n++
				}
			}
			i = j
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
	}
	return n
}

// repeatedKey names the first member name a JSON object repeats.
func repeatedKey(raw []byte) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		k, _ := tok.(string)
		if seen[k] {
			return k
		}
		seen[k] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return ""
		}
	}
	return ""
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
				if err := r.addJSONRow(fs, rec, t); err != nil {
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
