package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// AcquireTenantLock returns a release function that the caller must defer.
func AcquireTenantLock(ctx context.Context, pool *pgxpool.Pool, tenant int64) (func() error, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", tenant).Scan(&got); err != nil || !got {
		conn.Release()
		return nil, fmt.Errorf("tenant %d is locked", tenant)
	}
	return func() error {
		defer conn.Release()
		var released bool
		if err := conn.QueryRow(context.Background(), "SELECT pg_advisory_unlock($1)", tenant).Scan(&released); err != nil {
			return err
		}
		if !released {
			return fmt.Errorf("tenant lock %d was not held", tenant)
		}
		return nil
	}, nil
}
