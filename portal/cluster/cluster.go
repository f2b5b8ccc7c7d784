// Package cluster runs a private PostgreSQL server from the installed
// binaries: initdb on first use, pg_ctl start and stop, a unix socket in the
// data directory and no TCP port. insyn uses it when DATABASE_URL is unset,
// and the test suite uses it for its one server per run.
package cluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Cluster is a private PostgreSQL server under Dir.
type Cluster struct {
	Dir      string   // INSYN_DATA; the cluster lives in Dir/pg
	Settings []string // extra "name=value" server settings
	bin      string
	runAs    string // system user that owns the cluster when we are root

	mu    sync.Mutex
	users *os.File // users.lock, held shared between Start and Stop
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
		c.Dir = c.reachableDir(abs)
	}
	return c, nil
}

// reachableDir is dir when the postgres user can reach it. A checkout in
// root's home (mode 0700) is not reachable, and a newcomer's `make demo`
// must still work there: the cluster then lives in a directory of its own
// under /var/lib/insyn, named after dir so that the next start finds it.
func (c *Cluster) reachableDir(dir string) string {
	parent := filepath.Dir(dir)
	for !fileExists(parent) && parent != "/" {
		parent = filepath.Dir(parent)
	}
	if _, err := c.run(context.Background(), "test", "-x", parent); err == nil {
		return dir
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join("/var/lib/insyn", hex.EncodeToString(sum[:8]))
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

// Start initialises the cluster if needed, starts the server unless it
// already runs and registers this Cluster value as one of its users until
// Stop. Several insyn processes (and several Cluster values in one process)
// may share one cluster directory; the server stops only when its last user
// stops. The bookkeeping is two flock(2) files in Dir: control.lock, held
// exclusively around starting and stopping, and users.lock, held shared by
// every user. The kernel drops the locks of a process that dies, so a user
// that crashed is no longer counted: the next last user to leave stops it.
func (c *Cluster) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users != nil {
		return nil // already started through this value
	}
	if err := c.prepareDirs(); err != nil {
		return err
	}
	control, err := c.lock(ctx, controlLock, syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock(control)
	if !fileExists(filepath.Join(c.dataDir(), "PG_VERSION")) {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	}
	if !c.running(ctx) {
		args := []string{"start", "-w", "-t", "60", "-D", c.dataDir(), "-l", filepath.Join(c.Dir, "postgres.log"),
			"-o", c.serverOptions()}
		if out, err := c.run(ctx, "pg_ctl", args...); err != nil {
			return fmt.Errorf("cluster: start PostgreSQL (see %s): %w: %s", filepath.Join(c.Dir, "postgres.log"), err, lastLine(out))
		}
	}
	// Still under control.lock, so no Stop can see "no users" between the
	// start above and this shared lock.
	users, err := c.lock(ctx, usersLock, syscall.LOCK_SH)
	if err != nil {
		return err
	}
	c.users = users
	return nil
}

// Stop ends this value's use of the cluster and stops the server (fast
// shutdown: clients are disconnected, committed work is kept) if no other
// user is left. It does nothing on a Cluster that is not started.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users == nil {
		return nil
	}
	users := c.users
	c.users = nil
	defer users.Close()
	if err := syscall.Flock(int(users.Fd()), syscall.LOCK_UN); err != nil {
		return fmt.Errorf("cluster: unlock %s: %w", users.Name(), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	control, err := c.lock(ctx, controlLock, syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock(control)
	// An exclusive lock is granted only when no other user holds it shared;
	// a user that starts now waits for control.lock and then finds the
	// server down and starts it again.
	if err := syscall.Flock(int(users.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil // another user remains
		}
		return fmt.Errorf("cluster: lock %s: %w", users.Name(), err)
	}
	return c.stopServer(ctx)
}

// stopServer stops the server whoever started it; the caller holds
// control.lock.
func (c *Cluster) stopServer(ctx context.Context) error {
	if !c.running(ctx) {
		return nil
	}
	if out, err := c.run(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", c.dataDir()); err != nil {
		return fmt.Errorf("cluster: stop PostgreSQL: %w: %s", err, lastLine(out))
	}
	return nil
}

const (
	controlLock = "control.lock"
	usersLock   = "users.lock"
)

// lock opens (creating) the lock file name in Dir and flocks it, polling so
// that ctx can end the wait. O_NOFOLLOW: a symlink planted in Dir is an
// error, never a file elsewhere opened as root.
func (c *Cluster) lock(ctx context.Context, name string, how int) (*os.File, error) {
	path := filepath.Join(c.Dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("cluster: lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("cluster: waiting for %s: %w", path, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func unlock(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
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

// Running reports whether the server of this cluster directory runs,
// started by any process.
func (c *Cluster) Running(ctx context.Context) bool { return c.running(ctx) }

func (c *Cluster) running(ctx context.Context) bool {
	_, err := c.run(ctx, "pg_ctl", "status", "-D", c.dataDir())
	return err == nil
}

// prepareDirs creates Dir and its socket directory (0700) and, as root, hands
// them to the cluster's owner. Dir may sit in a shared place such as /tmp, so
// neither directory is trusted blindly: a symlink, a non-directory or a
// directory owned by anyone but us or the cluster's owner is refused before
// anything is changed, and the chown never follows a link.
func (c *Cluster) prepareDirs() error {
	owners := []int{os.Geteuid()}
	uid, gid := -1, -1
	if c.runAs != "" {
		u, err := user.Lookup(c.runAs)
		if err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
		if uid, err = strconv.Atoi(u.Uid); err != nil {
			return fmt.Errorf("cluster: uid of %s: %w", c.runAs, err)
		}
		if gid, err = strconv.Atoi(u.Gid); err != nil {
			return fmt.Errorf("cluster: gid of %s: %w", c.runAs, err)
		}
		owners = append(owners, uid)
	}
	// The parent must be enterable by the cluster's user (it is, for
	// /var/lib/insyn made here; for INSYN_DATA, reachableDir checked).
	if err := os.MkdirAll(filepath.Dir(c.Dir), 0o755); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	for _, d := range []string{c.Dir, c.socketDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
		if err := checkDir(d, owners); err != nil {
			return err
		}
		if c.runAs == "" {
			continue
		}
		if err := os.Lchown(d, uid, gid); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
	}
	if c.runAs == "" {
		return nil
	}
	if _, err := c.run(context.Background(), "test", "-w", c.Dir); err != nil {
		return fmt.Errorf("cluster: the postgres user cannot reach %s; set INSYN_DATA to a directory outside private home folders", c.Dir)
	}
	return nil
}

// checkDir refuses d unless it is a real directory (not a symlink) owned by
// one of owners.
func checkDir(d string, owners []int) error {
	fi, err := os.Lstat(d)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("cluster: %s is a symbolic link; refusing to use it as a cluster directory", d)
	}
	if !fi.IsDir() {
		return fmt.Errorf("cluster: %s is not a directory", d)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("cluster: cannot read the owner of %s", d)
	}
	for _, o := range owners {
		if int(st.Uid) == o {
			return nil
		}
	}
	return fmt.Errorf("cluster: %s is owned by uid %d, not by this user or the cluster's owner; refusing to use it", d, st.Uid)
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
	// Start in a directory the tool's user can enter (not root's cwd).
	cmd.Dir = "/"
	if fileExists(c.Dir) {
		cmd.Dir = c.Dir
	}
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
