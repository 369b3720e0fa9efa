package audit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/prebake/prebake/manifest"
)

// Options configures Run.
type Options struct {
	// KeyPrefix is Django's KEY_PREFIX setting of the app's cache ("" by
	// default, as the app has it).
	KeyPrefix string
	// Version is Django's VERSION setting of the app's cache (0: Django's
	// default, 1, which the app keeps). Only "<KeyPrefix>:<Version>:<key>" is
	// an app's key: a Django key of another version (written with an
	// explicit version=, or by another deploy's settings) is reported as
	// kind "django" under its shape, never as a family, so never deleted.
	Version int
	// ScanCount is SCAN's COUNT hint, so about the keys read per round trip
	// (0: the default, 200; negative is an error). Each key costs three O(1) commands (TYPE, MEMORY USAGE,
	// TTL), pipelined with the next SCAN. Larger batches do not make the audit
	// faster but make other clients wait longer (scripts/bench-audit.sh: at
	// 1000 the mean PING latency during the audit was 2.5 to 8 times that at 200).
	ScanCount int64
	// Top is how many of the largest keys each family lists (0: the default,
	// 5; negative is an error).
	Top int
	// Manifest, when set, says which families the bake replaces;
	// ManifestPath names it in the report.
	Manifest     *manifest.Manifest
	ManifestPath string
	// KeepReplacedKeys remembers the keys of the replaced families, for Delete.
	KeepReplacedKeys bool
	// Progress, when set, is called after every batch with the keys read so
	// far and the database's size when the audit started.
	Progress func(read, total int64)
}

// Report is what Run found. Sizes are bytes as MEMORY USAGE counts them (the
// value, the key and their allocation overhead; for aggregates Redis samples 5
// nested values, its default); TTLs are seconds.
type Report struct {
	Server   Server       `json:"server"`
	Manifest *ManifestRef `json:"manifest,omitempty"`
	Keys     int64        `json:"keys"`  // keys read
	Bytes    int64        `json:"bytes"` // their MEMORY USAGE, summed
	// Vanished counts keys SCAN returned that expired or were deleted before
	// they were read; they are in no family.
	Vanished int64           `json:"vanished"`
	Families []FamilyReport  `json:"families"` // largest first
	Replaced Totals          `json:"replaced"` // the families the manifest replaces
	Deletion *DeletionReport `json:"deletion,omitempty"`

	replacedKeys map[string][]string // family name -> keys, with KeepReplacedKeys
}

// Server describes the audited database.
type Server struct {
	Addr    string     `json:"addr"`
	DB      int        `json:"db"`
	Version string     `json:"redis_version"`
	DBSize  int64      `json:"dbsize"` // DBSIZE when the audit started
	Memory  MemoryInfo `json:"memory"`
}

// MemoryInfo holds the figures of INFO memory (bytes; the server's whole
// memory, all databases).
type MemoryInfo struct {
	UsedMemory         int64   `json:"used_memory"`
	UsedMemoryRSS      int64   `json:"used_memory_rss"`
	UsedMemoryPeak     int64   `json:"used_memory_peak"`
	UsedMemoryDataset  int64   `json:"used_memory_dataset"`
	UsedMemoryOverhead int64   `json:"used_memory_overhead"`
	MaxMemory          int64   `json:"maxmemory"` // 0: no limit
	MaxMemoryPolicy    string  `json:"maxmemory_policy"`
	FragmentationRatio float64 `json:"mem_fragmentation_ratio"`
}

// ManifestRef names the manifest the replacements were read from.
type ManifestRef struct {
	Path    string `json:"path"`
	BuildID string `json:"build_id"`
}

// Totals adds up families.
type Totals struct {
	Families int   `json:"families"`
	Keys     int64 `json:"keys"`
	Bytes    int64 `json:"bytes"`
}

// Family kinds in a report.
const (
	KindApp    = "app"    // one of Families
	KindDjango = "django" // a Django cache key no family knows, grouped by Shape of its body
	KindOther  = "other"  // not a Django cache key (another program's, another KEY_PREFIX), grouped by Shape
)

// FamilyReport is one family's keys.
type FamilyReport struct {
	Family   string           `json:"family"`
	Kind     string           `json:"kind"`
	Versions []int            `json:"versions,omitempty"` // Django cache versions seen
	Keys     int64            `json:"keys"`
	Bytes    int64            `json:"bytes"`
	Types    map[string]int64 `json:"types"` // Redis type -> keys
	TTL      TTLSpread        `json:"ttl"`
	Largest  []Key            `json:"largest"`
	Source   string           `json:"source,omitempty"`
	// ReplaceableBy lists the outputs of a bake that replace the family
	// (Family.ReplacedBy); ReplacedBy those of them the manifest has.
	ReplaceableBy []string `json:"replaceable_by,omitempty"`
	ReplacedBy    []string `json:"replaced_by,omitempty"`
	Note          string   `json:"note,omitempty"`
	// Freed is the memory deleting the family frees: Bytes when the manifest
	// replaces it, else 0.
	Freed int64 `json:"freed"`
}

// TTLSpread summarises the families' TTLs in seconds: keys without expiry,
// and the minimum, median, 90th percentile and maximum of the others (nearest
// rank; zero when no key expires).
type TTLSpread struct {
	NoExpiry int64 `json:"no_expiry"`
	Expiring int64 `json:"expiring"`
	Min      int64 `json:"min"`
	P50      int64 `json:"p50"`
	P90      int64 `json:"p90"`
	Max      int64 `json:"max"`
}

// Key is one key: its name, MEMORY USAGE, TTL (-1: none) and type.
//
// In JSON a key that is not valid UTF-8 (a Redis key is any bytes) also has
// "key_base64", its exact bytes in standard base64 (RFC 4648 §4), since JSON
// strings are Unicode and "key" then has U+FFFD in place of each bad byte;
// a UTF-8 key has no "key_base64". Unmarshaling reads key_base64 back.
type Key struct {
	Key   string `json:"key"`
	Bytes int64  `json:"bytes"`
	TTL   int64  `json:"ttl"`
	Type  string `json:"type"`
}

// keyJSON is Key as JSON has it.
type keyJSON struct {
	Key       string `json:"key"`
	KeyBase64 string `json:"key_base64,omitempty"`
	Bytes     int64  `json:"bytes"`
	TTL       int64  `json:"ttl"`
	Type      string `json:"type"`
}

// MarshalJSON adds key_base64 when the key is not valid UTF-8.
func (k Key) MarshalJSON() ([]byte, error) {
	j := keyJSON{Key: k.Key, Bytes: k.Bytes, TTL: k.TTL, Type: k.Type}
	if !utf8.ValidString(k.Key) {
		j.KeyBase64 = base64.StdEncoding.EncodeToString([]byte(k.Key))
	}
	return json.Marshal(j)
}

// UnmarshalJSON takes the key's bytes from key_base64 when it is there.
func (k *Key) UnmarshalJSON(b []byte) error {
	var j keyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*k = Key{Key: j.Key, Bytes: j.Bytes, TTL: j.TTL, Type: j.Type}
	if j.KeyBase64 != "" {
		raw, err := base64.StdEncoding.DecodeString(j.KeyBase64)
		if err != nil {
			return fmt.Errorf("key_base64 of %q: %w", j.Key, err)
		}
		k.Key = string(raw)
	}
	return nil
}

// Connect opens a client for a redis:// or rediss:// URL
// (redis://[user:password@]host:port/db) and checks it with PING.
func Connect(ctx context.Context, rawURL string) (*redis.Client, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep its reason only
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("--redis %q: %w (want redis://host:port/db)", RedactURL(rawURL), err)
	}
	// A pipeline of a few thousand O(1) commands answers in milliseconds; the
	// margin is for a busy server, not for blocking it.
	opt.ReadTimeout = 30 * time.Second
	if opt.TLSConfig != nil && opt.Network == "tcp" && plainRedis(ctx, opt.Addr) {
		// Else the TLS handshake waits for a reply the server never sends,
		// through every dial retry (25 s), and the error says only that.
		return nil, fmt.Errorf("redis %s: rediss:// asks for TLS, but the server answers plain Redis without TLS: use redis:// for it (or enable TLS on the server)", opt.Addr)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis %s db %d: %w", opt.Addr, opt.DB, err)
	}
	return rdb, nil
}

// plainRedis reports whether the server at addr answers a plain-text PING
// with a RESP reply ("+PONG", "-NOAUTH ..."): a server without TLS. A TLS
// server answers such bytes with an alert or closes the connection. The probe
// takes at most 3 s and sends nothing but PING.
func plainRedis(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	c.SetDeadline(deadline)
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 64)
	n, _ := io.ReadAtLeast(c, buf, 3)
	reply := string(buf[:n])
	return (strings.HasPrefix(reply, "+") || strings.HasPrefix(reply, "-")) && strings.Contains(reply, "\r\n")
}

// RedactURL returns rawURL for messages with every secret replaced by
// "xxxxx" (a CI log must not show the cache's password): the password of its
// user info, the value of every query parameter whose name looks secret
// (secretParam: ?password=, ?token=, ?access_key=, ...) and a fragment. A URL
// that does not parse keeps only its scheme and what follows the last "@",
// without its query or fragment.
func RedactURL(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		if u.RawQuery != "" {
			if q, err := url.ParseQuery(u.RawQuery); err != nil {
				u.RawQuery = "xxxxx"
			} else {
				for k := range q {
					if secretParam(k) {
						q[k] = []string{"xxxxx"}
					}
				}
				u.RawQuery = q.Encode()
			}
		}
		if u.Fragment != "" || u.RawFragment != "" {
			u.Fragment, u.RawFragment = "xxxxx", ""
		}
		return u.Redacted()
	}
	rest := rawURL
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i] + "?xxxxx"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		scheme, _, _ := strings.Cut(rawURL, "://")
		return scheme + "://xxxxx@" + rest[at+1:]
	}
	return rest
}

// secretParam reports whether a query parameter's name looks like it holds a
// secret: it contains (in any case) pass, pwd, secret, token, auth, key,
// cred or sig. Redacting a harmless parameter costs a less useful message;
// missing a secret one leaks it.
func secretParam(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"pass", "pwd", "secret", "token", "auth", "key", "cred", "sig"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// Run walks the database rdb is connected to with SCAN (never KEYS), reads each
// key's TYPE, MEMORY USAGE and TTL in one pipeline per batch, and groups the keys
// into families. It only reads: every command is O(1) (MEMORY USAGE samples
// aggregates), and each round trip lets the server serve other clients.
func Run(ctx context.Context, rdb *redis.Client, o Options) (*Report, error) {
	if o.ScanCount < 0 || o.Top < 0 || o.Version < 0 {
		return nil, fmt.Errorf("audit: ScanCount %d, Top %d and Version %d must not be negative (0: the default)", o.ScanCount, o.Top, o.Version)
	}
	if o.Version == 0 {
		o.Version = 1
	}
	if o.ScanCount == 0 {
		o.ScanCount = 200
	}
	if o.Top == 0 {
		o.Top = 5
	}
	r := &Report{}
	if err := r.readServer(ctx, rdb); err != nil {
		return nil, err
	}
	if o.Manifest != nil {
		r.Manifest = &ManifestRef{Path: o.ManifestPath, BuildID: o.Manifest.BuildID}
	}
	acc := newAccumulator(o)
	keys, cursor, err := rdb.Scan(ctx, 0, "", o.ScanCount).Result()
	if err != nil {
		return nil, fmt.Errorf("SCAN: %w", err)
	}
	for {
		next, err := r.readBatch(ctx, rdb, acc, keys, cursor, o.ScanCount)
		if err != nil {
			return nil, err
		}
		if o.Progress != nil {
			o.Progress(r.Keys+r.Vanished, r.Server.DBSize)
		}
		if next == nil {
			break
		}
		if keys, cursor, err = next.Result(); err != nil {
			return nil, fmt.Errorf("SCAN %d: %w", cursor, err)
		}
	}
	acc.finish(r)
	return r, nil
}

// readBatch reads the keys of one SCAN reply, with the next SCAN (when the
// cursor is not done) in the same pipeline, whose command it returns.
func (r *Report) readBatch(ctx context.Context, rdb *redis.Client, acc *accumulator, keys []string, cursor uint64, count int64) (*redis.ScanCmd, error) {
	pipe := rdb.Pipeline()
	types := make([]*redis.StatusCmd, len(keys))
	mems := make([]*redis.IntCmd, len(keys))
	ttls := make([]*redis.DurationCmd, len(keys))
	for i, k := range keys {
		types[i] = pipe.Type(ctx, k)
		mems[i] = pipe.MemoryUsage(ctx, k)
		ttls[i] = pipe.TTL(ctx, k)
	}
	var next *redis.ScanCmd
	if cursor != 0 {
		next = pipe.Scan(ctx, cursor, "", count)
	}
	if pipe.Len() == 0 {
		return nil, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		// A failed command of the batch fails the audit below, naming it.
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	for i, k := range keys {
		typ, err := types[i].Result()
		if err != nil {
			return nil, fmt.Errorf("TYPE %q: %w", k, err)
		}
		mem, err := mems[i].Result()
		if errors.Is(err, redis.Nil) || typ == "none" {
			r.Vanished++ // expired or deleted since SCAN returned it
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("MEMORY USAGE %q: %w", k, err)
		}
		ttl, err := ttls[i].Result()
		if err != nil {
			return nil, fmt.Errorf("TTL %q: %w", k, err)
		}
		secs := int64(-1)
		switch {
		case ttl == -2:
			r.Vanished++
			continue
		case ttl >= 0:
			secs = int64(ttl / time.Second)
		}
		r.Keys++
		r.Bytes += mem
		acc.add(Key{Key: k, Bytes: mem, TTL: secs, Type: typ})
	}
	return next, nil
}

func (r *Report) readServer(ctx context.Context, rdb *redis.Client) error {
	opt := rdb.Options()
	r.Server.Addr, r.Server.DB = opt.Addr, opt.DB
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return fmt.Errorf("INFO server: %w", err)
	}
	r.Server.Version = parseInfo(info)["redis_version"]
	if r.Server.Memory, err = ReadMemory(ctx, rdb); err != nil {
		return err
	}
	if r.Server.DBSize, err = rdb.DBSize(ctx).Result(); err != nil {
		return fmt.Errorf("DBSIZE: %w", err)
	}
	return nil
}

// ReadMemory reads INFO memory.
func ReadMemory(ctx context.Context, rdb *redis.Client) (MemoryInfo, error) {
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		return MemoryInfo{}, fmt.Errorf("INFO memory: %w", err)
	}
	f := parseInfo(info)
	num := func(k string) int64 { n, _ := strconv.ParseInt(f[k], 10, 64); return n }
	ratio, _ := strconv.ParseFloat(f["mem_fragmentation_ratio"], 64)
	return MemoryInfo{
		UsedMemory:         num("used_memory"),
		UsedMemoryRSS:      num("used_memory_rss"),
		UsedMemoryPeak:     num("used_memory_peak"),
		UsedMemoryDataset:  num("used_memory_dataset"),
		UsedMemoryOverhead: num("used_memory_overhead"),
		MaxMemory:          num("maxmemory"),
		MaxMemoryPolicy:    f["maxmemory_policy"],
		FragmentationRatio: ratio,
	}, nil
}

// parseInfo reads INFO's "field:value" lines.
func parseInfo(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

// accumulator gathers the keys of each family while the scan runs.
type accumulator struct {
	o     Options
	fams  map[famID]*famAcc
	names []famID
}

type famID struct {
	kind, name string
}

type famAcc struct {
	idx      int // index in Families, or -1
	versions map[int]bool
	keys     int64
	bytes    int64
	types    map[string]int64
	ttls     []int64 // of the expiring keys
	noExpiry int64
	top      []Key
	replaced bool
	kept     []string // keys, when the family is replaced and KeepReplacedKeys
}

func newAccumulator(o Options) *accumulator {
	return &accumulator{o: o, fams: map[famID]*famAcc{}}
}

func (a *accumulator) add(k Key) {
	id, idx, version := famID{KindOther, ""}, -1, -1
	if v, body, ok := DjangoKey(k.Key, a.o.KeyPrefix); ok && v == a.o.Version {
		version = v
		if idx = family(body); idx >= 0 {
			id = famID{KindApp, Families[idx].Name}
		} else {
			id = famID{KindDjango, Shape(body)}
		}
	} else if ok {
		// Django's, but not of the app's VERSION: its shape keeps the version
		// apart from the app's families of the same body.
		version = v
		id = famID{KindDjango, Shape(k.Key)}
	} else {
		id.name = Shape(k.Key)
	}
	f := a.fams[id]
	if f == nil {
		f = &famAcc{idx: idx, versions: map[int]bool{}, types: map[string]int64{}}
		if idx >= 0 {
			found, _ := Families[idx].Outputs(a.o.Manifest)
			f.replaced = len(found) > 0
		}
		a.fams[id] = f
		a.names = append(a.names, id)
	}
	if version >= 0 {
		f.versions[version] = true
	}
	f.keys++
	f.bytes += k.Bytes
	f.types[k.Type]++
	if k.TTL < 0 {
		f.noExpiry++
	} else {
		f.ttls = append(f.ttls, k.TTL)
	}
	f.top = addTop(f.top, k, a.o.Top)
	if f.replaced && a.o.KeepReplacedKeys {
		f.kept = append(f.kept, k.Key)
	}
}

// addTop keeps the n largest keys, largest first, ties by key name.
func addTop(top []Key, k Key, n int) []Key {
	i := sort.Search(len(top), func(i int) bool { return keyLess(k, top[i]) })
	if i >= n {
		return top
	}
	top = slices.Insert(top, i, k)
	if len(top) > n {
		top = top[:n]
	}
	return top
}

func keyLess(a, b Key) bool {
	if a.Bytes != b.Bytes {
		return a.Bytes > b.Bytes
	}
	return a.Key < b.Key
}

func (a *accumulator) finish(r *Report) {
	for _, id := range a.names {
		f := a.fams[id]
		fr := FamilyReport{
			Family: id.name, Kind: id.kind, Keys: f.keys, Bytes: f.bytes,
			Types: f.types, TTL: spread(f.ttls, f.noExpiry), Largest: f.top,
			Versions: slices.Sorted(maps.Keys(f.versions)),
		}
		if f.idx >= 0 {
			fam := Families[f.idx]
			fr.Source, fr.Note, fr.ReplaceableBy = fam.Source, fam.Note, fam.ReplacedBy
			fr.ReplacedBy, _ = fam.Outputs(a.o.Manifest)
		}
		if f.replaced {
			fr.Freed = f.bytes
			r.Replaced.Families++
			r.Replaced.Keys += f.keys
			r.Replaced.Bytes += f.bytes
			if a.o.KeepReplacedKeys {
				if r.replacedKeys == nil {
					r.replacedKeys = map[string][]string{}
				}
				r.replacedKeys[id.name] = f.kept
			}
		}
		r.Families = append(r.Families, fr)
	}
	sort.Slice(r.Families, func(i, j int) bool {
		a, b := r.Families[i], r.Families[j]
		if a.Bytes != b.Bytes {
			return a.Bytes > b.Bytes
		}
		if a.Family != b.Family {
			return a.Family < b.Family
		}
		return a.Kind < b.Kind
	})
}

func spread(ttls []int64, noExpiry int64) TTLSpread {
	s := TTLSpread{NoExpiry: noExpiry, Expiring: int64(len(ttls))}
	if len(ttls) == 0 {
		return s
	}
	slices.Sort(ttls)
	rank := func(p int) int64 { return ttls[(p*len(ttls)+99)/100-1] } // nearest rank
	s.Min, s.P50, s.P90, s.Max = ttls[0], rank(50), rank(90), ttls[len(ttls)-1]
	return s
}
