package reports

import (
	"context"
	"database/sql"
	"time"
)

// Store keeps the pool: every call on s.db may run on a different pooled session.
type Store struct {
	db *sql.DB
}

func (s *Store) Reindex(ctx context.Context, key int64) error {
	if _, err := s.db.ExecContext(ctx, "SET lock_timeout = '5s'"); err != nil {
		return err
	}
	var got bool
	if err := s.db.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil || !got { // expect: LW109
		return err
	}
	defer func() {
		var released bool
		_ = s.db.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&released) // expect: LW109, LW113
	}()
	return reindex(ctx, s.db)
}

// Publish pins a connection for the lock but sends the unlock through the pool.
func (s *Store) Publish(ctx context.Context, key int64) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil || !got {
		return err
	}
	defer func() {
		var released bool
		if err := s.db.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&released); err != nil || !released { // expect: LW109
			panic("unlock failed")
		}
	}()
	return nil
}

// Lead tries to become leader on every tick of the same pinned connection and never unlocks.
func Lead(ctx context.Context, conn *sql.Conn, key int64) {
	ticker := time.NewTicker(5 * time.Second)
	defer ticker.Stop()
	for range ticker.C {
		var leader bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&leader); err != nil { // expect: LW101, LW111
			continue
		}
		if leader {
			work(ctx)
		}
	}
}

// Claim ignores whether it got the lock, then reads a string compared with "t".
func Claim(ctx context.Context, conn *sql.Conn, key int64) error {
	if _, err := conn.ExecContext(ctx, "SELECT pg_try_advisory_lock($1)", key); err != nil { // expect: LW110
		return err
	}
	defer conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key)
	return nil
}

func ClaimText(ctx context.Context, conn *sql.Conn, key int64) error {
	var got string
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)::text", key).Scan(&got); err != nil { // expect: LW110
		return err
	}
	if got == "t" {
		defer conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key)
		work(ctx)
	}
	return nil
}

// Export unlocks under the same context that timed the work out: the unlock fails exactly then.
func Export(parent context.Context, conn *sql.Conn, key int64) error {
	ctx, cancel := context.WithTimeout(parent, 30*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, "SET lock_timeout = '5s'"); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return err
	}
	defer func() {
		var released bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&released); err != nil || !released { // expect: LW113
			panic("unlock failed")
		}
	}()
	return work(ctx)
}

// Sweep discards the unlock's error and result.
func Sweep(ctx context.Context, conn *sql.Conn) error {
	lockFn := "pg_" + "advisory_" + "lock"
	if _, err := conn.ExecContext(ctx, "SELECT "+lockFn+"(77)"); err != nil { // expect: LW104
		return err
	}
	defer func() {
		_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(77)") // expect: LW105, LW113
	}()
	return work(ctx)
}

// Settle commits the transaction that holds the lock, then writes: the write is unprotected.
func (s *Store) Settle(ctx context.Context, account int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET LOCAL lock_timeout = '5s'"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", account); err != nil { // expect: LW112
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, "UPDATE accounts SET settled = true WHERE id = $1", account)
	return err
}

func reindex(ctx context.Context, db *sql.DB) error { return nil }
func work(ctx context.Context) error               { return nil }
