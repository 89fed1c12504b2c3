-- Queries for a code generator (sqlc): statements run inside the caller's transaction, not a script.

-- name: LockTenantInTx :exec
SELECT pg_advisory_xact_lock($1);

-- name: LockTenant :exec
SELECT pg_advisory_lock($1);

-- name: TryLockTenant :one
SELECT pg_try_advisory_lock($1);

-- name: UnlockTenant :one
SELECT pg_advisory_unlock($1);
