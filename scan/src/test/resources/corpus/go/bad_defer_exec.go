package jobs

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

func Compact(ctx context.Context, pool *pgxpool.Conn, key int64) error {
	if _, err := pool.Exec(ctx, "SET lock_timeout = '3s'"); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return err
	}
	defer pool.Exec(ctx, "SELECT pg_advisory_unlock($1)", key) // expect: LW105
	return compact(ctx, pool)
}

func compact(ctx context.Context, pool *pgxpool.Conn) error { return nil }
