// Package cluster runs a private PostgreSQL server from the installed
// binaries: initdb on first use, pg_ctl start and stop, a unix socket in the
// data directory and no TCP port. insyn uses it when DATABASE_URL is unset,
// and the test suite uses it for its one server per run.
package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Cluster is a private PostgreSQL server under Dir.
type Cluster struct {
	Dir      string   // INSYN_DATA; the cluster lives in Dir/pg
	Settings []string // extra "name=value" server settings
	bin      string
	runAs    string // system user that owns the cluster when we are root
	started  bool   // we started it, so Stop stops it
}

// New prepares a cluster under dir; nothing runs until Start.
func New(dir string, settings ...string) (*Cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: abs, Settings: settings, bin: bin}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		if _, err := user.Lookup("postgres"); err != nil {
			return nil, errors.New("cluster: running as root needs the system user postgres (apt-get install postgresql)")
		}
		c.runAs = "postgres"
	}
	return c, nil
}

// BinDir finds the PostgreSQL server binaries: pg_config --bindir, then the
// newest /usr/lib/postgresql/<version>/bin, then initdb on PATH.
func BinDir() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if fileExists(filepath.Join(dir, "initdb")) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if fileExists(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("cluster: no PostgreSQL server binaries found; install them (apt-get install -y postgresql) or set DATABASE_URL")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func (c *Cluster) dataDir() string   { return filepath.Join(c.Dir, "pg") }
func (c *Cluster) socketDir() string { return filepath.Join(c.Dir, "run") }

// DSN is the connection string for database name on this cluster.
func (c *Cluster) DSN(name string) string {
	return fmt.Sprintf("host=%s port=5432 user=postgres dbname=%s sslmode=disable", c.socketDir(), name)
}

// Start initialises the cluster if needed and starts the server unless it
// already runs (another insyn process may share it; then Stop leaves it).
func (c *Cluster) Start(ctx context.Context) error {
	if err := c.prepareDirs(); err != nil {
		return err
	}
	if !fileExists(filepath.Join(c.dataDir(), "PG_VERSION")) {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	}
	if c.running(ctx) {
		return nil
	}
	args := []string{"start", "-w", "-t", "60", "-D", c.dataDir(), "-l", filepath.Join(c.Dir, "postgres.log"),
		"-o", c.serverOptions()}
	if out, err := c.run(ctx, "pg_ctl", args...); err != nil {
		return fmt.Errorf("cluster: start PostgreSQL (see %s): %w: %s", filepath.Join(c.Dir, "postgres.log"), err, lastLine(out))
	}
	c.started = true
	return nil
}

// Stop stops the server if this process started it.
func (c *Cluster) Stop() error {
	if !c.started {
		return nil
	}
	c.started = false
	return c.StopServer()
}

// StopServer stops the server whoever started it (fast shutdown: clients
// are disconnected, committed work is kept).
func (c *Cluster) StopServer() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if !c.running(ctx) {
		return nil
	}
	if out, err := c.run(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", c.dataDir()); err != nil {
		return fmt.Errorf("cluster: stop PostgreSQL: %w: %s", err, lastLine(out))
	}
	return nil
}

func (c *Cluster) serverOptions() string {
	opts := []string{
		"-c listen_addresses=''",
		"-c unix_socket_directories='" + c.socketDir() + "'",
		"-c unix_socket_permissions=0700",
		"-c port=5432",
	}
	for _, s := range c.Settings {
		opts = append(opts, "-c "+s)
	}
	return strings.Join(opts, " ")
}

func (c *Cluster) initdb(ctx context.Context) error {
	// Trust is safe here: there is no TCP listener and the socket is 0700,
	// so only the cluster's owner (and root) can connect.
	out, err := c.run(ctx, "initdb", "-D", c.dataDir(), "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-instructions")
	if err != nil {
		return fmt.Errorf("cluster: initdb: %w: %s", err, lastLine(out))
	}
	return nil
}

func (c *Cluster) running(ctx context.Context) bool {
	_, err := c.run(ctx, "pg_ctl", "status", "-D", c.dataDir())
	return err == nil
}

func (c *Cluster) prepareDirs() error {
	for _, d := range []string{c.Dir, c.socketDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
	}
	if c.runAs == "" {
		return nil
	}
	if err := c.chownToOwner(); err != nil {
		return err
	}
	if _, err := c.run(context.Background(), "test", "-w", c.Dir); err != nil {
		return fmt.Errorf("cluster: the postgres user cannot reach %s; set INSYN_DATA to a directory outside private home folders", c.Dir)
	}
	return nil
}

func (c *Cluster) chownToOwner() error {
	u, err := user.Lookup(c.runAs)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, d := range []string{c.Dir, c.socketDir()} {
		if err := os.Chown(d, uid, gid); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
	}
	return nil
}

// run executes a PostgreSQL tool, as the cluster owner when we are root.
func (c *Cluster) run(ctx context.Context, tool string, args ...string) ([]byte, error) {
	path := tool
	if tool != "test" {
		path = filepath.Join(c.bin, tool)
	}
	var cmd *exec.Cmd
	if c.runAs != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.runAs, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = c.Dir
	// Own process group: a Ctrl-C on the terminal reaches insyn, which then
	// stops the server cleanly, instead of reaching the server directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.Bytes(), err
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
