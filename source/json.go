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
		off = se.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of file: truncated JSON")
	}
	return &FileError{File: fs.path, Format: fs.format, Offset: fs.base + off, Record: rec, Field: field, Err: err}
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
		tok, err := dec.Token()
		if err != nil {
			return r.fileErr(fs, dec, rec, "", err)
		}
		key, _ := tok.(string)
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

func (r *reader) readCKAN(fs *fileState, br *bufio.Reader) error {
	dec := json.NewDecoder(br)
	rec := 0
	found := false
	if err := r.expectDelim(fs, dec, rec, "", '{', "a CKAN response object"); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return r.fileErr(fs, dec, rec, "", err)
		}
		key, _ := tok.(string)
		switch key {
		case "result":
			if err := r.expectDelim(fs, dec, rec, "result", '{', "an object"); err != nil {
				return err
			}
			for dec.More() {
				tok, err := dec.Token()
				if err != nil {
					return r.fileErr(fs, dec, rec, "result", err)
				}
				k, _ := tok.(string)
				if k != "records" {
					var skip json.RawMessage
					if err := dec.Decode(&skip); err != nil {
						return r.fileErr(fs, dec, rec, "result."+k, err)
					}
					continue
				}
				if err := r.expectDelim(fs, dec, rec, "result.records", '[', "an array of rows"); err != nil {
					return err
				}
				if err := r.rows(fs, dec, &rec, "result.records"); err != nil {
					return err
				}
				found = true
			}
			if err := r.expectDelim(fs, dec, rec, "result", '}', "the end of the result object"); err != nil {
				return err
			}
		default:
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return r.fileErr(fs, dec, rec, key, err)
			}
			if key == "success" && string(bytes.TrimSpace(v)) == "false" {
				return r.fileErr(fs, dec, rec, key, errors.New("the CKAN response reports success=false"))
			}
		}
	}
	if err := r.expectDelim(fs, dec, rec, "", '}', "the end of the response"); err != nil {
		return err
	}
	if err := r.expectEOF(fs, dec, rec); err != nil {
		return err
	}
	if !found {
		return &FileError{File: fs.path, Format: fs.format, Offset: -1, Field: "result.records", Err: errors.New("no result.records array in the CKAN response")}
	}
	return nil
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
					at := off
					if errors.As(perr, &se) {
						at += se.Offset
					}
					if err == io.EOF && !bytes.HasSuffix(b, []byte("\n")) {
						perr = fmt.Errorf("%v (truncated last line?)", perr)
					}
					return &FileError{File: fs.path, Format: fs.format, Offset: at, Line: line, Record: rec, Err: perr}
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
