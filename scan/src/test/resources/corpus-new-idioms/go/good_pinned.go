package reports

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

type Pinned struct {
	db *sql.DB
}

// Reindex pins one connection for lock, work and unlock, and unlocks under a context that is not cancelled.
func (p *Pinned) Reindex(ctx context.Context, key int64) error {
	conn, err := p.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil || !got {
		return err
	}
	defer func() {
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		var released bool
		if err := conn.QueryRowContext(unlockCtx, "SELECT pg_advisory_unlock($1)", key).Scan(&released); err != nil || !released {
			panic(fmt.Sprintf("advisory lock %d was not held", key))
		}
	}()
	return rebuild(ctx, conn)
}

// LockedConn hands the locked dedicated connection to the caller, who unlocks and closes it.
func (p *Pinned) LockedConn(ctx context.Context, key int64) (*sql.Conn, error) {
	conn, err := p.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SET lock_timeout = '5s'"); err != nil {
		conn.Close()
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// WaitForTurn retries the try-lock until it succeeds: it takes the lock once.
func WaitForTurn(ctx context.Context, conn *sql.Conn, key int64) error {
	for {
		var got bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
			return err
		}
		if got {
			break
		}
		time.Sleep(time.Second)
	}
	defer func() {
		var released bool
		if err := conn.QueryRowContext(context.Background(), "SELECT pg_advisory_unlock($1)", key).Scan(&released); err != nil || !released {
			panic("unlock failed")
		}
	}()
	return nil
}

// Lead keeps one hold: it only tries again while it does not lead.
func Lead(ctx context.Context, conn *sql.Conn, key int64) {
	ticker := time.NewTicker(5 * time.Second)
	defer ticker.Stop()
	leader := false
	defer func() {
		if leader {
			var released bool
			if err := conn.QueryRowContext(context.Background(), "SELECT pg_advisory_unlock($1)", key).Scan(&released); err != nil || !released {
				panic("leader lock was not held")
			}
		}
	}()
	for range ticker.C {
		if !leader {
			if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&leader); err != nil {
				return
			}
		}
	}
}

func rebuild(ctx context.Context, conn *sql.Conn) error { return nil }
