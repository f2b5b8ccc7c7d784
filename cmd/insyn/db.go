package main

import (
	"context"
	"path/filepath"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/cluster"
	"github.com/insyn/insyn/portal/store"
	_ "github.com/lib/pq"
)

// openStore connects to DATABASE_URL, or starts (or reuses) the private
// cluster under INSYN_DATA and connects to its "insyn" database. The
// returned close function also lets go of the cluster, which stops it only
// when no other insyn process still uses it (cluster.Stop counts users).
func (a *app) openStore(ctx context.Context, migrate bool) (*store.Store, func(), error) {
	dsn := a.getenv("DATABASE_URL")
	var cl *cluster.Cluster
	if dsn == "" {
		var err error
		dir := a.getenvDefault("INSYN_DATA", "var")
		if cl, err = cluster.New(dir); err != nil {
			return nil, nil, err
		}
		if err := cl.Start(ctx); err != nil {
			return nil, nil, err
		}
		a.log.Info("private PostgreSQL running", "source", filepath.Join(cl.Dir, "pg"))
		if err := cl.EnsureDatabase(ctx, "insyn"); err != nil {
			cl.Stop()
			return nil, nil, err
		}
		dsn = cl.DSN("insyn")
	}
	s, err := store.Open(ctx, dsn, a.clock, a.log)
	if err != nil && cl == nil { // the operator's DATABASE_URL: say which setting to look at
		err = &portal.Error{Code: portal.Internal, MsgID: "cli.error.database", Data: map[string]any{"Reason": err.Error()},
			Detail: "DATABASE_URL cannot be reached", Err: err}
	}
	if err == nil && migrate {
		err = s.Migrate(ctx)
	}
	if err != nil {
		if s != nil {
			s.Close()
		}
		if cl != nil {
			cl.Stop()
		}
		return nil, nil, err
	}
	closer := func() {
		s.Close()
		if cl != nil {
			if err := cl.Stop(); err != nil {
				a.log.Error("stop PostgreSQL", "error", err)
			}
		}
	}
	return s, closer, nil
}
