package jobs

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Settle takes a transaction-level lock: it ends with Commit or Rollback, whatever happens.
func Settle(ctx context.Context, conn *pgx.Conn, account int64) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '3s'"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", account); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
