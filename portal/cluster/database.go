package cluster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"

	"github.com/lib/pq"
)

const (
	// qLockCreate serialises database creation between processes that
	// start together on a fresh cluster: the check and the CREATE below
	// are not atomic, and two concurrent CREATE DATABASE of one name fail
	// with a unique violation on pg_database. Held by the session, so a
	// process that dies lets go of it.
	qLockCreate     = `SELECT pg_advisory_lock(hashtext('insyn_create_database'))`
	qUnlockCreate   = `SELECT pg_advisory_unlock(hashtext('insyn_create_database'))`
	qDatabaseExists = `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`
)

// plainName is what EnsureDatabase creates: CREATE DATABASE takes no
// parameters, so the name is spliced into the statement.
var plainName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// EnsureDatabase creates database name on the running cluster unless it
// exists. Several processes may call it at once on a fresh cluster; each
// returns once the database exists.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	if !plainName.MatchString(name) {
		return fmt.Errorf("cluster: database name %q is not a plain identifier", name)
	}
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cluster: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, qLockCreate); err != nil {
		return fmt.Errorf("cluster: lock database creation: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), qUnlockCreate)
	var exists bool
	if err := conn.QueryRowContext(ctx, qDatabaseExists, name).Scan(&exists); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+name); err != nil && !alreadyExists(err) {
		return fmt.Errorf("cluster: create database: %w", err)
	}
	return nil
}

// alreadyExists recognises a database created by someone not taking the
// lock (an older insyn, an administrator): duplicate_database, or the
// unique violation on pg_database that a concurrent CREATE gives.
func alreadyExists(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && (pqErr.Code == "42P04" ||
		pqErr.Code == "23505" && pqErr.Constraint == "pg_database_datname_index")
}
