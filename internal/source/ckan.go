package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// CKAN's DataStore API (docs.ckan.org, "DataStore extension", datastore_search
// and the dump endpoint) gives the register in three layouts, all read here:
//
//   - datastore_search with records_format=objects (the default):
//     {"help": ..., "success": true, "result": {"records": [{...}, ...],
//     "fields": [...], "total": N, "limit": L, "offset": O, "_links": {...}}}
//   - the same with records_format=lists: each record is an array of values in
//     the order of result.fields (which CKAN writes after the records, so list
//     rows are held until the field names are known);
//   - datastore/dump/<resource>?format=json: {"fields": [...], "records": [[...], ...]},
//     the whole resource in one file.
//
// datastore_search is paged: one response holds at most `limit` records of
// `total`, and `_links.next` names the next page. A file holding only some of
// the records is never baked as the whole register: Read checks that the pages
// it was given of each resource add up to the total (see checkCKANPages), so
// every page must be passed as a --source, or the build fails naming what is
// missing.

// ckanPage is what one CKAN file says about its place in the resource.
type ckanPage struct {
	resource  string // result.resource_id, "" when absent
	dump      bool   // the dump layout: the whole resource
	records   int    // record elements in this file
	total     int64
	hasTotal  bool
	estimated bool // total_was_estimated: total is not a count
	limit     int64
	hasLimit  bool
	offset    int64
	next      string // _links.next
	format    string // records_format
	fields    []string
	pending   []pendingList // list records read before the fields
}

type pendingList struct {
	rec int
	raw json.RawMessage
}

func (r *reader) readCKAN(fs *fileState, br io.Reader) error {
	dec := json.NewDecoder(br)
	dec.UseNumber()
	rec := 0
	page := &ckanPage{}
	fs.ckan = page
	found := false
	if err := r.expectDelim(fs, dec, rec, "", '{', "a CKAN response object"); err != nil {
		return err
	}
	for dec.More() {
		key, err := r.nextKey(fs, dec, rec, "")
		if err != nil {
			return err
		}
		switch key {
		case "result":
			if err := r.expectDelim(fs, dec, rec, "result", '{', "an object"); err != nil {
				return err
			}
			for dec.More() {
				k, err := r.nextKey(fs, dec, rec, "result")
				if err != nil {
					return err
				}
				got, err := r.ckanMember(fs, dec, page, &rec, "result.", k)
				if err != nil {
					return err
				}
				found = found || got
			}
			if err := r.expectDelim(fs, dec, rec, "result", '}', "the end of the result object"); err != nil {
				return err
			}
		case "fields", "records":
			// The dump layout: the members are at the top level.
			page.dump = true
			got, err := r.ckanMember(fs, dec, page, &rec, "", key)
			if err != nil {
				return err
			}
			found = found || got
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
	if len(page.pending) > 0 {
		if page.fields == nil {
			return &FileError{File: fs.path, Format: fs.format, Offset: -1, Field: "fields",
				Err: errors.New("records are lists (records_format=lists) but the response has no fields array naming their columns")}
		}
		for _, p := range page.pending {
			if err := r.addListRow(fs, page, p.rec, p.raw); err != nil {
				return err
			}
		}
		page.pending = nil
	}
	return nil
}

// ckanMember reads one member of a CKAN result (or of a dump) named key,
// reporting whether it was the records array.
func (r *reader) ckanMember(fs *fileState, dec *json.Decoder, page *ckanPage, rec *int, prefix, key string) (bool, error) {
	field := prefix + key
	switch key {
	case "records":
		if page.format != "" && page.format != "objects" && page.format != "lists" {
			return false, r.fileErr(fs, dec, *rec, prefix+"records_format",
				fmt.Errorf("records_format %q is not supported: request records_format=objects (the default) or lists", page.format))
		}
		if err := r.expectDelim(fs, dec, *rec, field, '[', "an array of rows"); err != nil {
			return false, err
		}
		for dec.More() {
			*rec++
			page.records++
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return false, r.fileErr(fs, dec, *rec, field, err)
			}
			raw = bytes.TrimSpace(raw)
			if len(raw) > 0 && raw[0] == '[' {
				if page.fields == nil {
					page.pending = append(page.pending, pendingList{*rec, raw})
					continue
				}
				if err := r.addListRow(fs, page, *rec, raw); err != nil {
					return false, err
				}
				continue
			}
			if err := r.addJSONRow(fs, *rec, raw, true); err != nil {
				return false, err
			}
		}
		return true, r.expectDelim(fs, dec, *rec, field, ']', "the end of the array of rows")
	case "fields":
		var fields []struct {
			ID string `json:"id"`
		}
		if err := dec.Decode(&fields); err != nil {
			return false, r.fileErr(fs, dec, *rec, field, fmt.Errorf("want an array of {\"id\": name, \"type\": type}: %w", err))
		}
		page.fields = make([]string, len(fields))
		seen := map[string]bool{}
		for i, f := range fields {
			if f.ID == "" || seen[f.ID] {
				return false, r.fileErr(fs, dec, *rec, field, fmt.Errorf("field %d has an empty or repeated id %q", i+1, f.ID))
			}
			seen[f.ID] = true
			page.fields[i] = f.ID
		}
		return false, nil
	}
	var v any
	if err := dec.Decode(&v); err != nil {
		return false, r.fileErr(fs, dec, *rec, field, err)
	}
	bad := func(want string) (bool, error) {
		return false, r.fileErr(fs, dec, *rec, field, fmt.Errorf("want %s, got %v", want, v))
	}
	integer := func() (int64, bool) {
		n, ok := v.(json.Number)
		if !ok {
			return 0, false
		}
		i, err := n.Int64()
		return i, err == nil && i >= 0
	}
	switch key {
	case "total":
		if page.total, page.hasTotal = integer(); !page.hasTotal {
			return bad("a whole number")
		}
	case "limit":
		if page.limit, page.hasLimit = integer(); !page.hasLimit {
			return bad("a whole number")
		}
	case "offset":
		var ok bool
		if page.offset, ok = integer(); !ok {
			return bad("a whole number")
		}
	case "total_was_estimated":
		b, ok := v.(bool)
		if !ok {
			return bad("true or false")
		}
		page.estimated = b
	case "records_format":
		s, ok := v.(string)
		if !ok {
			return bad("a string")
		}
		page.format = s
		if s != "objects" && s != "lists" {
			return false, r.fileErr(fs, dec, *rec, field,
				fmt.Errorf("records_format %q is not supported: request records_format=objects (the default) or lists", s))
		}
	case "resource_id":
		page.resource, _ = v.(string)
	case "_links":
		if m, ok := v.(map[string]any); ok {
			page.next, _ = m["next"].(string)
		}
	}
	return false, nil
}

// addListRow accounts for one record given as a list of values in field order.
func (r *reader) addListRow(fs *fileState, page *ckanPage, rec int, raw json.RawMessage) error {
	var vals []json.RawMessage
	if err := json.Unmarshal(raw, &vals); err != nil {
		fs.src.Counts.Read++
		r.reject(fs, rec, "", ReasonNotARow, "record does not parse: "+err.Error())
		return nil
	}
	if len(vals) != len(page.fields) {
		fs.src.Counts.Read++
		r.reject(fs, rec, "", ReasonNotARow, fmt.Sprintf("record has %d values, the fields array names %d", len(vals), len(page.fields)))
		return nil
	}
	obj := make(map[string]json.RawMessage, len(vals))
	for i, v := range vals {
		obj[page.fields[i]] = v
	}
	return r.addObjectRow(fs, rec, raw, obj)
}

// checkCKANPages refuses a CKAN datastore_search page baked as the whole
// resource: for each resource (resource_id, or each file when a response has
// none) the records read must add up to the response's total. A dump holds the
// whole resource and needs no check.
func checkCKANPages(pages []*fileState) error {
	groups := map[string][]*fileState{}
	var order []string
	for _, fs := range pages {
		key := "resource:" + fs.ckan.resource
		if fs.ckan.resource == "" {
			key = "file:" + fs.path
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], fs)
	}
	for _, key := range order {
		g := groups[key]
		first := g[0]
		fail := func(format string, a ...any) error {
			return &FileError{File: first.path, Format: first.format, Offset: -1, Field: "result.total", Err: fmt.Errorf(format, a...)}
		}
		read := 0
		var names []string
		for _, fs := range g {
			read += fs.ckan.records
			names = append(names, fs.path)
		}
		files := fmt.Sprintf("%d records in %d file(s): %s", read, len(g), strings.Join(names, ", "))
		if first.ckan.dump {
			continue
		}
		var total int64 = -1
		lastPage := false
		for _, fs := range g {
			p := fs.ckan
			if p.estimated {
				return &FileError{File: fs.path, Format: fs.format, Offset: -1, Field: "result.total_was_estimated",
					Err: errors.New("the response's total is an estimate, so the pages cannot be proven complete: request with include_total=true and total_estimation_threshold unset, or use datastore/dump")}
			}
			if p.hasTotal {
				if total >= 0 && p.total != total {
					return &FileError{File: fs.path, Format: fs.format, Offset: -1, Field: "result.total",
						Err: fmt.Errorf("total %d differs from %d in %s: the pages come from different versions of the resource", p.total, total, first.path)}
				}
				total = p.total
			}
			if p.hasLimit && int64(p.records) < p.limit {
				lastPage = true
			}
		}
		switch {
		case total >= 0 && int64(read) < total:
			next := ""
			for _, fs := range g {
				if fs.ckan.next != "" {
					next = fs.ckan.next
				}
			}
			hint := ""
			if next != "" {
				hint = fmt.Sprintf(" (_links.next: %s)", next)
			}
			return fail("a paged CKAN response: %s of total %d; fetch every page%s and pass each as --source, or use datastore/dump", files, total, hint)
		case total >= 0 && int64(read) > total:
			return fail("%s, more than the total %d: pages overlap or come from different versions of the resource", files, total)
		case total < 0 && !lastPage:
			return fail("the CKAN response has no total and every page is full (%s), so the last page is not among them: request include_total=true or use datastore/dump", files)
		}
	}
	return nil
}
