package jobs

import (
	"context"
	"database/sql"
	"fmt"
)

// Rebuild holds the lock for the whole call; `pg_advisory_lock` in this raw string is only a comment.
func Rebuild(ctx context.Context, db *sql.Conn, key int64) error {
	if _, err := db.ExecContext(ctx, "SET lock_timeout = '5s'"); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return err
	}
	defer func() {
		var released bool
		if err := db.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&released); err != nil || !released {
			panic(fmt.Sprintf("advisory lock %d was not held", key))
		}
	}()
	return rebuild(ctx, db)
}

func Settle(ctx context.Context, tx *sql.Tx, account int64) (bool, error) {
	var got bool
	err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock($1)`, account).Scan(&got)
	return got, err
}

func rebuild(ctx context.Context, db *sql.Conn) error { return nil }
