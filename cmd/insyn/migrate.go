package main

import (
	"context"
	"fmt"
)

func init() {
	register("migrate", "cli.cmd.migrate", cmdMigrate)
}

func cmdMigrate(ctx context.Context, a *app, args []string) error {
	fs := a.flags("migrate")
	if err := parse(fs, args); err != nil {
		return err
	}
	_, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	closeStore()
	fmt.Fprintln(a.stderr, a.texts.T("cli.migrated"))
	return nil
}
