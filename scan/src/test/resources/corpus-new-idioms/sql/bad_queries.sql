-- Queries for a code generator (sqlc): each runs in the caller's connection and transaction.

-- name: TryLockTenant :exec
SELECT pg_try_advisory_lock($1); -- expect: LW110

-- name: UnlockTenant :exec
SELECT pg_advisory_unlock($1); -- expect: LW105
