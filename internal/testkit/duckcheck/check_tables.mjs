// Reads Parquet and Arrow IPC (Feather v2) files with readers independent of
// prebake's Go encoders and prints, per file, the row count, the column types and
// nullability, and a checksum of every column (see table.Checksum for the
// definition) as JSON on stdout.
//
// Parquet is read by DuckDB (read_parquet, parquet_schema). DuckDB's core cannot
// read Arrow IPC files (that needs the arrow community extension, which is
// downloaded at run time), so Arrow files are decoded by the apache-arrow
// JavaScript library (ZSTD buffers through fzstd) and appended into a DuckDB
// table; the same SQL then computes the checksums for both formats.
//
// Usage: node check_tables.mjs FILE... run in the peers directory (where
// @duckdb/node-api is installed), with ARROW_READER_DIR naming the directory
// whose node_modules holds apache-arrow and fzstd (default: the same). Files
// ending in .parquet are Parquet, .arrow Arrow.
// With --sql QUERY..., instead prints [rows of each QUERY] as JSON (for the
// statistics and company-index checks).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'noop.js'));
// apache-arrow and fzstd may live in their own directory (ARROW_READER_DIR).
const requireArrow = createRequire(path.join(process.env.ARROW_READER_DIR || process.cwd(), 'noop.js'));
const { DuckDBInstance } = require('@duckdb/node-api');

const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();

async function rows(sql) {
  const r = await con.runAndReadAll(sql);
  return r.getRowObjectsJson();
}

const q = (name) => '"' + name.replaceAll('"', '""') + '"';
const lit = (s) => "'" + s.replaceAll("'", "''") + "'";

const duckType = { BIGINT: 'int64', DOUBLE: 'float64', BOOLEAN: 'bool', VARCHAR: 'string' };

// checksums runs the checksum SQL over relation rel, which has the table's
// columns plus file_row_number (0-based row order in the file).
async function checksums(rel, columns) {
  const out = {};
  for (const c of columns) {
    const n = q(c.name);
    const w = '(file_row_number + 1)::HUGEINT';
    let sel;
    switch (c.type) {
      case 'int64':
        sel = `count(${n}) AS count, coalesce(sum(${n}::HUGEINT), 0)::VARCHAR AS sum, coalesce(sum(${w} * ${n}::HUGEINT), 0)::VARCHAR AS wsum, NULL AS md5`;
        break;
      case 'float64':
        sel = `count(${n}) AS count, coalesce(sum(round(${n} * 1e6)::HUGEINT), 0)::VARCHAR AS sum, coalesce(sum(${w} * round(${n} * 1e6)::HUGEINT), 0)::VARCHAR AS wsum, NULL AS md5`;
        break;
      case 'bool':
        sel = `count(${n}) AS count, coalesce(count_if(${n}), 0)::VARCHAR AS sum, coalesce(sum(CASE WHEN ${n} THEN ${w} END), 0)::VARCHAR AS wsum, NULL AS md5`;
        break;
      case 'string':
        sel = `count(${n}) AS count, coalesce(sum(strlen(${n})::HUGEINT), 0)::VARCHAR AS sum, coalesce(sum(${w} * strlen(${n})::HUGEINT), 0)::VARCHAR AS wsum, md5(coalesce(string_agg(${n}, chr(10) ORDER BY file_row_number), '')) AS md5`;
        break;
      default:
        out[c.name] = { type: c.type, error: 'unsupported type' };
        continue;
    }
    const [r] = await rows(`SELECT ${sel} FROM ${rel}`);
    const cs = { type: c.type, count: Number(r.count), sum: String(r.sum), wsum: String(r.wsum) };
    if (c.type === 'string') cs.md5 = r.md5;
    out[c.name] = cs;
  }
  return out;
}

async function checkParquet(file) {
  const schema = await rows(`SELECT name, type, repetition_type FROM parquet_schema(${lit(file)})`);
  const desc = await rows(`DESCRIBE SELECT * FROM read_parquet(${lit(file)})`);
  const rep = Object.fromEntries(schema.map((s) => [s.name, s.repetition_type]));
  const columns = desc.map((d) => ({
    name: d.column_name,
    type: duckType[d.column_type] ?? d.column_type,
    nullable: rep[d.column_name] === 'OPTIONAL',
  }));
  const [{ n }] = await rows(`SELECT count(*)::BIGINT AS n FROM read_parquet(${lit(file)})`);
  const meta = await rows(`SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(${lit(file)}) ORDER BY row_group_id`);
  const codecs = await rows(`SELECT DISTINCT compression FROM parquet_metadata(${lit(file)}) ORDER BY 1`);
  const chunks = await rows(`SELECT row_group_id, path_in_schema, encodings, stats_null_count IS NOT NULL AS has_stats FROM parquet_metadata(${lit(file)}) ORDER BY row_group_id, column_id`);
  const kv = await rows(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${lit(file)}) ORDER BY 1`);
  const [fm] = await rows(`SELECT created_by FROM parquet_file_metadata(${lit(file)})`);
  const rel = `read_parquet(${lit(file)}, file_row_number = true)`;
  return {
    rows: Number(n),
    column_chunks: chunks.map((c) => ({ row_group: Number(c.row_group_id), column: c.path_in_schema, encodings: c.encodings, has_stats: c.has_stats })),
    key_value: Object.fromEntries(kv.map((r) => [r.key, r.value])),
    created_by: fm.created_by,
    columns,
    row_groups: meta.map((m) => Number(m.row_group_num_rows)),
    compression: codecs.map((c) => c.compression),
    checksums: await checksums(rel, columns),
  };
}

const arrowType = { Int64: 'int64', Float64: 'float64', Bool: 'bool', Utf8: 'string' };
const sqlType = { int64: 'BIGINT', float64: 'DOUBLE', bool: 'BOOLEAN', string: 'VARCHAR' };

let arrowSeq = 0;
async function checkArrow(file) {
  const arrow = requireArrow('apache-arrow');
  const fzstd = requireArrow('fzstd');
  // Decode only: the registry validates an encoder when one is given.
  // apache-arrow views the result as 64-bit arrays, so it must start 8-aligned.
  arrow.compressionRegistry.set(arrow.CompressionType.ZSTD, {
    decode: (data) => {
      const out = fzstd.decompress(data);
      return out.byteOffset % 8 === 0 ? out : out.slice();
    },
  });
  const bytes = readFileSync(file);
  const reader = arrow.RecordBatchReader.from(bytes);
  const table = new arrow.Table(reader.readAll());
  const columns = table.schema.fields.map((f) => ({
    name: f.name,
    type: arrowType[String(f.type)] ?? String(f.type),
    nullable: f.nullable,
  }));
  const t = `arrow_${arrowSeq++}`;
  const defs = columns.map((c) => `${q(c.name)} ${sqlType[c.type] ?? 'VARCHAR'}`).join(', ');
  await con.run(`CREATE TABLE ${t} (file_row_number BIGINT, ${defs})`);
  const app = await con.createAppender(t);
  const vecs = columns.map((c) => table.getChild(c.name));
  for (let i = 0; i < table.numRows; i++) {
    app.appendBigInt(BigInt(i));
    for (let ci = 0; ci < columns.length; ci++) {
      const v = vecs[ci].get(i);
      if (v === null || v === undefined) { app.appendNull(); continue; }
      switch (columns[ci].type) {
        case 'int64': app.appendBigInt(BigInt(v)); break;
        case 'float64': app.appendDouble(v); break;
        case 'bool': app.appendBoolean(v); break;
        default: app.appendVarchar(String(v));
      }
    }
    app.endRow();
  }
  app.closeSync();
  return {
    rows: table.numRows,
    columns,
    record_batches: table.batches.map((b) => b.numRows),
    checksums: await checksums(t, columns),
  };
}

const args = process.argv.slice(2);
if (args[0] === '--sql') {
  const results = [];
  for (const sql of args.slice(1)) results.push(await rows(sql));
  process.stdout.write(JSON.stringify(results));
} else {
  const out = {};
  for (const f of args) {
    out[f] = f.endsWith('.arrow') ? await checkArrow(f) : await checkParquet(f);
  }
  process.stdout.write(JSON.stringify(out));
}
