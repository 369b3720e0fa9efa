// Package source reads register files of every supported format into the record
// model, streaming, and accounts for every input row: each ends used, duplicate or
// rejected with a reason.
//
// # Formats
//
// The format is detected from the content (first non-space bytes, after an optional
// UTF-8 byte-order mark) unless forced by name:
//
//   - "app-cache": the web app's cached files, { "<CMU key>": [row, ...], ... }. Detected
//     when the top-level object's first value is an array. Rows repeat under several
//     keys and across files.
//   - "ckan": a NESO/CKAN datastore_search response {"help":..., "success":true,
//     "result": {"records": [...], "total": N}}, with records as objects or (with
//     records_format=lists) as arrays in the order of "fields"; or the
//     datastore/dump?format=json layout {"fields": [...], "records": [[...], ...]}.
//     Detected when the top-level object's first key is "help", "success" or
//     "result" (or "fields"/"records" holding an array). success=false is a file
//     error, and so is any other records_format. A paged response must come with
//     all its pages, each given as a source: the records read of a resource must
//     add up to its "total" (the error names the count, the total and
//     _links.next); an estimated total, or no total with every page full, cannot
//     be proven complete and is an error too.
//   - "json": a plain JSON array of row objects. Detected by a leading '['.
//   - "ndjson": one row object per line. Detected when the top-level object's first
//     value is not an array (i.e. the first line is itself a row). A file holding
//     only "{}" has no rows and is an error, not one empty row.
//
// Lines may end in LF, CRLF or (classic Mac) a lone CR, detected from the first
// line break.
//   - "csv": a header line, then rows. Detected when the first line is not JSON and
//     contains a comma. Either the register's own column names ("CMU ID",
//     "Component ID", ...) or the app's snake_case export (location, description,
//     cmu_id, company_name, delivery_year, auction_name, derated_capacity, type,
//     technology, component_id, status).
//   - "cmu": the container is detected as above, but every row is read as a CMU row.
//
// # Record kinds
//
// A file holds components or CMU-level rows, never both. The kind is taken from the
// first row object (JSON) or the header (CSV): "Component ID" or "component_id" means
// components; otherwise "Name of Applicant" or "CM Unit Name" means CMU rows;
// otherwise components (whose rows then fail validation on their own merits).
//
// # Identity and duplicates
//
// A row's identity is the register's row id `_id`, read exactly: decimal digits
// only (a JSON number or a string of them), 1..2^53-1 (MaxSafeID, the largest
// integer a browser reads exactly); "1e3", "1,000", "1000.0" and larger ids are
// bad_value, never rounded into another row's id. Rows without `_id` are
// identified by their canonical content (keys sorted, values compacted, text
// trimmed and in NFC, the app's search "rank" ignored) and get a negative ID in
// -2^52..-1 derived from its SHA-256, so they never collide with register ids
// and stay exact in JavaScript; two contents whose IDs clash are told apart by
// the whole digest. The first occurrence of an identity is used;
// later ones, in any file of the same Read, count as duplicates (in the real cached
// files, repeats of an `_id` can differ in "Company Name" and "rank"; the first one
// read wins, which is deterministic because files are read in the order given and
// globs expand sorted).
//
// The snake_case export has no `_id`: its component_id is the app database's own
// primary key, not the register's (none of the 4,689 values is a "Component ID",
// and rows matched by CMU ID, year and location carry different `_id`s), so it
// becomes the ID of those rows and ComponentID stays empty. Because those rows
// describe the same components as the register files under a different key, a Read
// that mixes the export with register-keyed component files is an error rather
// than a silent double count.
//
// # Reason codes
//
// A rejected row gets one of these reasons (all are "malformed" rows in the sense
// of the manifest: they cannot become a component or a CMU):
//
//   - missing_id: nothing identifies the row (no `_id`, no Component ID and no
//     CMU ID; for a CMU row, no CMU ID).
//   - bad_value: a field has the wrong type or an unparseable value (Delivery Year
//     "abc", an object where text belongs, a capacity that is not a number or a
//     no-value marker, a non-positive `_id`, a field named twice in one row
//     object, whose value a reader would pick one way or the other).
//   - bad_utf8: a field (or key) is not valid UTF-8.
//   - too_long: a field is longer than MaxFieldBytes.
//   - not_a_row: a JSON array element that is not an object, or a CSV line whose
//     field count differs from the header's.
//
// A malformed file (not JSON at all, truncated JSON, trailing garbage, an
// app-cache value that is not an array, a CSV header without the required
// columns, an empty file or one with no rows) is a *FileError naming the file, the
// exact byte offset of the fault with its line and column, the record number and,
// where there is one, the field.
//
// A --source that names an existing file is that file, even if its name holds
// glob characters ("register [2024].json"); otherwise it is a glob.
//
// # Normalization
//
// Text is trimmed and put in Unicode Normalization Form C, so one name typed
// with combining accents (NFD) and precomposed (NFC) is one name. Capacities are
// *float64, nil for null, "" and markers such as "N/A"; a comma is accepted only
// as a thousands separator ("1,234.5"), anything else ("0,5", "1.234,5", hex,
// "Inf") is bad_value, and so is a capacity beyond ±MaxCapacityMW (100 GW), which
// would overflow totals. MaxFieldBytes counts the bytes of the decoded value,
// not of its JSON escapes; a \u escape of a lone UTF-16 surrogate is bad_utf8. Location keeps the trimmed text but is "" for a no-location marker
// ("N/A", "TBC", "To be determined", "Component has yet to be procured", ...).
// GridRef carries the trimmed "OS Grid Reference" text as given (""
// for null or a no-location marker): the geocode package parses, normalizes and
// validates it. Postcode, Outcode and Geo are left empty for the geocode package.
package source
