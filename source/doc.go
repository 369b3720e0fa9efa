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
//     "result": {"records": [...], "total": N}}. Detected when the top-level object's
//     first key is "help", "success" or "result". success=false is a file error.
//   - "json": a plain JSON array of row objects. Detected by a leading '['.
//   - "ndjson": one row object per line. Detected when the top-level object's first
//     value is not an array (i.e. the first line is itself a row).
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
// A row's identity is the register's row id `_id`. Rows without `_id` are
// identified by their canonical content (keys sorted, values compacted, the app's
// search "rank" ignored) and get a negative ID derived from its SHA-256, so they
// never collide with register ids. The first occurrence of an identity is used;
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
//     no-value marker, a non-positive `_id`).
//   - bad_utf8: a field (or key) is not valid UTF-8.
//   - too_long: a field is longer than MaxFieldBytes.
//   - not_a_row: a JSON array element that is not an object, or a CSV line whose
//     field count differs from the header's.
//
// A malformed file (not JSON at all, truncated JSON, trailing garbage, an
// app-cache value that is not an array, a CSV header without the required
// columns, an empty file or one with no rows) is a *FileError naming the file, the
// byte offset or line, the record number and, where there is one, the field.
//
// # Normalization
//
// Text is trimmed. Capacities are *float64, nil for null, "" and markers such as
// "N/A". Location keeps the trimmed text but is "" for a no-location marker
// ("N/A", "TBC", "To be determined", "Component has yet to be procured", ...).
// GridRef carries the trimmed "OS Grid Reference" text as given (""
// for null or a no-location marker): the geocode package parses, normalizes and
// validates it. Postcode, Outcode and Geo are left empty for the geocode package.
package source
