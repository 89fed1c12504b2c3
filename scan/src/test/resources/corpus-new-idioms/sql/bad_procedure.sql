-- A batch purge that commits per batch: the transaction-level lock ends at the first COMMIT.
CREATE PROCEDURE purge_expired()
LANGUAGE plpgsql
AS $$
BEGIN
    SET LOCAL lock_timeout = '5s';
    PERFORM pg_advisory_xact_lock(hashtext('purge_expired')); -- expect: LW112
    LOOP
        DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < now() LIMIT 1000);
        EXIT WHEN NOT FOUND;
        COMMIT;
    END LOOP;
END
$$;

DO $$
BEGIN
    PERFORM pg_advisory_xact_lock(77); -- expect: LW112
    UPDATE accounts SET archived = true WHERE closed_at < now() - interval '1 year';
    COMMIT;
    UPDATE invoices SET archived = true WHERE account_archived;
END
$$;
