// Package audit measures what sits in the web app's Redis and what a bake
// replaces, for `prebake audit`.
//
// Run walks one database with SCAN (never KEYS) and reads every key's TYPE,
// MEMORY USAGE and TTL, pipelined with the next SCAN, so a million keys cost five
// thousand round trips of O(1) commands and the server keeps serving other
// clients between them. Keys are grouped into families:
//
//   - Django cache keys ("<KEY_PREFIX>:<VERSION>:<key>", ":1:cmu_dataframe_v1"
//     with the app's empty KEY_PREFIX and VERSION 1; the format of Django's
//     default KEY_FUNCTION, shared by django-redis and Django's own
//     RedisCache, the version as str(int) writes it) of the app's KEY_PREFIX
//     and VERSION (Options) whose key is one of Families, the app's cache
//     table read from its live code
//     (internal/apprules/cache_families.json, shared with the Django backend)
//     (map_data_<md5>, component_detail_<id>,
//     cmu_dataframe_v1, ...), kind "app";
//   - other Django cache keys (another VERSION included), grouped by Shape
//     (digit runs, hex ids and UUIDs collapsed), kind "django";
//   - keys that are not Django cache keys (Celery, other programs, another
//     KEY_PREFIX), grouped by Shape, kind "other".
//
// For each family the Report gives keys, bytes (MEMORY USAGE: value, key and
// allocation overhead; Redis samples 5 nested values of an aggregate), types,
// the TTL spread, the largest keys, and, given a manifest, which of the bake's
// outputs replace it (Family.ReplacedBy) and the memory deleting it frees;
// beside them the server's INFO memory figures. The Report's JSON is lossless:
// a key that is not valid UTF-8 also carries its bytes as "key_base64" (Key).
//
// DeleteReplaced removes the keys of the replaced families, and nothing else,
// with UNLINK in batches; it is a dry run unless told to execute.
package audit
