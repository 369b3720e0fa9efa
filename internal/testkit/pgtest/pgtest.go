// Package pgtest starts a throw-away PostgreSQL server (Debian's postgresql
// package, its initdb and postgres binaries under /usr/lib/postgresql/*/bin)
// for a test: its own data directory and unix socket in a temporary
// directory, its own free port on 127.0.0.1, password (SCRAM) authentication,
// no durability, stopped and removed when the test ends. PostgreSQL refuses to
// run as root, so under root the server runs as the postgres user (created by
// the Debian package), else nobody. Outside CI a test is skipped when the
// binaries are missing; in CI it fails (scripts/setup-debian.sh installs them).
//
// It also creates the app's table checker_component as
// ../shared/docs/app-integration.md describes it ("Observed running the app")
// and loads register rows into it as the app's crawler does (LoadRegister).
package pgtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/prebake/prebake/internal/testkit/daemon"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// User and Password are the superuser the server is created with.
const (
	User     = "prebake"
	Password = "test-secret-pw"
	DB       = "app"
)

// Server is a running PostgreSQL server with a database DB.
type Server struct {
	Port   int
	Socket string // directory of the unix socket
	// CAFile is the certificate a TLS server (StartTLS) presents, for a
	// client's sslrootcert; "" without TLS.
	CAFile string
}

// binDir finds Debian's PostgreSQL binaries, the newest version installed.
func binDir(t testing.TB) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d
		}
	}
	shareddata.Missing(t, "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/postgres; run scripts/setup-debian.sh)")
	return ""
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Start starts a server for t, creates the database DB, and registers the
// server's shutdown with t.Cleanup.
func Start(t testing.TB) *Server { t.Helper(); return start(t, false) }

// StartTLS is Start for a server that accepts TCP connections over TLS only
// (pg_hba.conf hostssl), with a self-signed certificate for 127.0.0.1 in
// Server.CAFile.
func StartTLS(t testing.TB) *Server { t.Helper(); return start(t, true) }

func start(t testing.TB, tls bool) *Server {
	t.Helper()
	bin := binDir(t)
	dir, err := os.MkdirTemp("", "pgtest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cred := runAs(t, dir)
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	pwfile := filepath.Join(dir, "pw")
	for _, step := range []func() error{
		func() error { return os.Mkdir(sock, 0o700) },
		func() error { return os.WriteFile(pwfile, []byte(Password+"\n"), 0o600) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if cred != nil {
		for _, p := range []string{sock, pwfile} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	run := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	if out, err := run("initdb", "-D", data, "-U", User, "--pwfile", pwfile, "--auth", "scram-sha-256",
		"-E", "UTF8", "--locale", "C.UTF-8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	s := &Server{Socket: sock}
	args := []string{"-D", data, "-k", sock,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "shared_buffers=32MB", "-c", "max_connections=20"}
	if tls {
		s.CAFile = filepath.Join(dir, "server.crt")
		key := filepath.Join(dir, "server.key")
		selfSigned(t, s.CAFile, key)
		hba := filepath.Join(data, "pg_hba.conf")
		conf, err := os.ReadFile(hba)
		if err != nil {
			t.Fatal(err)
		}
		// TCP over TLS only: a client that does not ask for TLS is refused.
		conf = []byte(strings.ReplaceAll(string(conf), "\nhost ", "\nhostssl "))
		if err := os.WriteFile(hba, conf, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{s.CAFile, key, hba} {
			if cred != nil {
				if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
					t.Fatal(err)
				}
			}
		}
		args = append(args, "-c", "ssl=on", "-c", "ssl_cert_file="+s.CAFile, "-c", "ssl_key_file="+key)
	}
	for attempt := 0; ; attempt++ {
		s.Port = daemon.FreePort(t)
		cmd := run("postgres", append([]string{"-p", strconv.Itoa(s.Port)}, args...)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("postgres: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if s.waitReady(exited) {
			t.Cleanup(func() {
				_ = cmd.Process.Signal(syscall.SIGINT) // fast shutdown
				select {
				case <-exited:
				case <-time.After(10 * time.Second):
					_ = cmd.Process.Kill()
					<-exited
				}
			})
			break
		}
		_ = cmd.Process.Kill()
		<-exited
		if attempt == 2 {
			t.Fatalf("postgres did not start on port %d:\n%s", s.Port, out.String())
		}
	}
	s.Exec(t, "postgres", "CREATE DATABASE "+DB)
	return s
}

// runAs returns the credential to run PostgreSQL under when this process is
// root (postgres refuses root), giving it the directory; nil otherwise.
func runAs(t testing.TB, dir string) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		if u, err = user.Lookup("nobody"); err != nil {
			t.Fatalf("running as root and neither the postgres nor the nobody user exists: %v", err)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key.
func selfSigned(t testing.TB, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// waitReady tries to connect for up to 30 s, giving up when the server exits.
func (s *Server) waitReady(exited chan error) bool {
	return daemon.WaitReady(exited, 30*time.Second, 50*time.Millisecond, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, s.URL("postgres"))
		if err != nil {
			return false
		}
		conn.Close(context.Background())
		return true
	})
}

// URL is a postgres:// URL of database db over TCP, with the password.
// A TLS server's URL asks for TLS and checks the server's certificate
// (sslmode=verify-full, sslrootcert=CAFile); any other's has sslmode=disable.
func (s *Server) URL(db string) string {
	q := url.Values{"sslmode": {"disable"}}
	if s.CAFile != "" {
		q = url.Values{"sslmode": {"verify-full"}, "sslrootcert": {s.CAFile}}
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(User, Password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)), Path: "/" + db, RawQuery: q.Encode()}
	return u.String()
}

// Conn connects to database db; the connection is closed when t ends.
func (s *Server) Conn(t testing.TB, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.URL(db))
	if err != nil {
		t.Fatalf("connect to %s: %v", db, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Exec runs SQL statements in database db, failing t on an error.
func (s *Server) Exec(t testing.TB, db, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.URL(db))
	if err != nil {
		t.Fatalf("connect to %s: %v", db, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%.200s: %v", sql, err)
	}
}

// AppTable is the app's component table (checker/models.py as
// ../shared/docs/app-integration.md describes it): the register `_id` as
// component_id (unique), cmu_id, location limited to 255 characters, the
// columns the app shows and edits, the register row verbatim in
// additional_data (Django's JSONField: jsonb), and the paid geocoder's
// position. Places-API fields are left out: prebake does not read them.
const AppTable = `CREATE TABLE checker_component (
	id bigserial PRIMARY KEY,
	component_id varchar(255) UNIQUE,
	cmu_id varchar(100),
	location varchar(255),
	description text,
	technology varchar(255),
	company_name varchar(255),
	auction_name varchar(255),
	delivery_year varchar(50),
	status varchar(100),
	type varchar(100),
	additional_data jsonb,
	derated_capacity_mw double precision,
	latitude double precision,
	longitude double precision,
	geocoded boolean NOT NULL DEFAULT false,
	county varchar(100),
	outward_code varchar(20),
	full_postcode varchar(20)
)`

// Loaded is what LoadRegister put into checker_component.
type Loaded struct {
	Rows       []json.RawMessage // the rows stored, in load order (= id order)
	Read       int               // component rows in the files
	Duplicates int               // rows whose _id an earlier row had (the first wins)
	TooLong    int               // rows whose location has more than 255 characters: the app's table cannot hold them
}

// LoadRegister creates checker_component (AppTable) in database DB and loads
// the component rows of the app-cache files (read in the order given) as the
// app's crawler does (app-integration.md): component_id is the row's `_id`,
// cmu_id its "CMU ID", the first row per `_id` wins, a row whose location is
// longer than 255 characters cannot be stored and is counted instead, and the
// row itself goes verbatim into additional_data. No positions are set.
func (s *Server) LoadRegister(t testing.TB, files []string) *Loaded {
	t.Helper()
	s.Exec(t, DB, AppTable)
	ld := &Loaded{}
	seen := map[string]bool{}
	var rows [][]any
	for _, f := range files {
		for _, raw := range appCacheRows(t, f) {
			ld.Read++
			var row map[string]any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&row); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			id := text(row["_id"])
			if seen[id] {
				ld.Duplicates++
				continue
			}
			seen[id] = true
			loc := text(row["Location and Post Code"])
			if utf8.RuneCountInString(loc) > 255 {
				ld.TooLong++
				continue
			}
			var derated any
			if n, ok := row["De-Rated Capacity"].(json.Number); ok {
				derated, _ = n.Float64()
			}
			rows = append(rows, []any{id, text(row["CMU ID"]), loc, text(row["Description of CMU Components"]),
				text(row["Generating Technology Class"]), text(row["Company Name"]), text(row["Auction Name"]),
				text(row["Delivery Year"]), text(row["Type"]), string(raw), derated})
			ld.Rows = append(ld.Rows, raw)
		}
	}
	conn := s.Conn(t, DB)
	_, err := conn.CopyFrom(context.Background(), pgx.Identifier{"checker_component"},
		[]string{"component_id", "cmu_id", "location", "description", "technology", "company_name",
			"auction_name", "delivery_year", "type", "additional_data", "derated_capacity_mw"},
		pgx.CopyFromRows(rows))
	if err != nil {
		t.Fatalf("load checker_component: %v", err)
	}
	return ld
}

// text is a JSON value as the crawler stores it in a text column: strings as
// they are, numbers as written, null as "".
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

// appCacheRows reads an app-cache file ({"<CMU key>": [row, ...], ...}) and
// returns its rows in file order (a map would lose the order, and the first
// row per _id wins).
func appCacheRows(t testing.TB, path string) []json.RawMessage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	fail := func(err error) { t.Fatalf("%s: not an app-cache file: %v", path, err) }
	if _, err := dec.Token(); err != nil { // {
		fail(err)
	}
	var out []json.RawMessage
	for dec.More() {
		if _, err := dec.Token(); err != nil { // key
			fail(err)
		}
		var rows []json.RawMessage
		if err := dec.Decode(&rows); err != nil {
			fail(err)
		}
		out = append(out, rows...)
	}
	return out
}
