package source

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// readCSV reads a header line, then one row per record. Field counts are checked
// per row (a short or long row is rejected, not fatal); a quoting error is fatal
// because the reader cannot know where the next row starts.
func (r *reader) readCSV(fs *fileState, br *bufio.Reader) error {
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return &FileError{File: fs.path, Format: fs.format, Offset: -1, Err: errors.New("empty file: no header line")}
		}
		return csvErr(fs, cr, 0, err)
	}
	names := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if seen[h] {
			return &FileError{File: fs.path, Format: fs.format, Offset: -1, Line: 1, Field: h, Err: errors.New("header names the column twice")}
		}
		seen[h] = true
		names[i] = h
	}
	has := func(n string) bool { return seen[n] }
	fs.decideKind(has)
	if fs.kind == KindCMUs {
		if !has(colCMUID) {
			return &FileError{File: fs.path, Format: fs.format, Offset: -1, Line: 1, Field: colCMUID, Err: fmt.Errorf("header lacks the %q column CMU rows need (header: %s)", colCMUID, headerList(names))}
		}
	} else if !has(colID) && !has(colComponentID) && !has(colCMUID) && !has(snakeComponentID) && !has("cmu_id") {
		return &FileError{File: fs.path, Format: fs.format, Offset: -1, Line: 1, Field: colComponentID,
			Err: fmt.Errorf("header lacks every identifying column (_id, Component ID, CMU ID, or component_id/cmu_id): %s", headerList(names))}
	}
	rec := 0
	for {
		fields, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		rec++
		if err != nil {
			return csvErr(fs, cr, rec, err)
		}
		if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" && len(names) > 1 {
			rec-- // a blank line is not a row
			continue
		}
		if len(fields) != len(names) {
			fs.src.Counts.Read++
			line, _ := cr.FieldPos(0)
			r.reject(fs, rec, "", ReasonNotARow, fmt.Sprintf("line %d has %d fields, the header has %d", line, len(fields), len(names)))
			continue
		}
		row := &rawRow{fields: make(map[string]cell, len(names))}
		for i, n := range names {
			row.fields[n] = cell{kind: cellString, raw: []byte(fields[i]), str: true}
		}
		if err := r.addRow(fs, rec, row); err != nil {
			return err
		}
	}
}

func csvErr(fs *fileState, cr *csv.Reader, rec int, err error) error {
	fe := &FileError{File: fs.path, Format: fs.format, Offset: fs.base + cr.InputOffset(), Record: rec, Err: err}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		fe.Line = pe.Line
		fe.Err = pe.Err
		if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
			fe.Err = fmt.Errorf("%v (line %d column %d; truncated file or unbalanced quotes?)", pe.Err, pe.StartLine, pe.Column)
		}
	}
	return fe
}

func headerList(names []string) string {
	const max = 12
	if len(names) > max {
		return strings.Join(names[:max], ", ") + ", ..."
	}
	return strings.Join(names, ", ")
}
