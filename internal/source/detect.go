package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// detectWindow is how much of a file detection may look at. It only needs the first
// key of a JSON object or the first line of a CSV file.
const detectWindow = 64 << 10

// detect names the container format of br's content without consuming it.
func detect(br *bufio.Reader) (string, error) {
	head, err := br.Peek(detectWindow)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	return detectBytes(head)
}

// detectBytes is detect on a prefix of the content.
func detectBytes(head []byte) (string, error) {
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return "", errors.New("empty file")
	}
	switch trimmed[0] {
	case '[':
		return FormatJSON, nil
	case '{':
		return detectObject(trimmed)
	}
	line := trimmed
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if utf8.Valid(line) && bytes.IndexByte(line, ',') >= 0 && bytes.IndexByte(line, 0) < 0 {
		return FormatCSV, nil
	}
	return "", fmt.Errorf("not a recognised format (JSON, NDJSON or CSV): starts with %s", strconv.Quote(string(trimmed[:min(len(trimmed), 24)])))
}

// detectObject tells the object-shaped formats apart by the first key and value.
func detectObject(b []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // '{'
		return "", err
	}
	tok, err := dec.Token()
	if err != nil {
		return "", fmt.Errorf("not a recognised format: the leading JSON object does not parse: %v", err)
	}
	key, ok := tok.(string)
	if !ok { // "{}": nothing, unless more rows follow (NDJSON whose first row is empty)
		if _, err := dec.Token(); err == io.EOF {
			return "", errors.New("an empty JSON object {}: no rows (neither an app-cache object, a CKAN response nor an NDJSON row)")
		}
		return FormatNDJSON, nil
	}
	switch key {
	case "help", "success", "result":
		return FormatCKAN, nil
	}
	tok, err = dec.Token()
	if err != nil {
		// Not an array (that needs one byte): a row, whose reader reports the error.
		return FormatNDJSON, nil
	}
	if d, ok := tok.(json.Delim); ok && d == '[' {
		if key == "fields" || key == "records" {
			// CKAN's datastore/dump?format=json: {"fields": [...], "records": [[...], ...]}
			return FormatCKAN, nil
		}
		return FormatAppCache, nil
	}
	return FormatNDJSON, nil
}
