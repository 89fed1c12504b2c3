package jobs

import (
	"context"
	"database/sql"
)

func Rebuild(ctx context.Context, db *sql.Conn, key int64) error {
	if _, err := db.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil { // expect: LW101, LW104
		return err
	}
	if err := rebuild(ctx, db); err != nil {
		return err // the lock stays held on this connection
	}
	_, err := db.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", key) // expect: LW105
	return err
}

func Settle(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_try_advisory_lock(99)") // expect: LW101, LW102, LW110
	return err
}

func rebuild(ctx context.Context, db *sql.Conn) error { return nil }
