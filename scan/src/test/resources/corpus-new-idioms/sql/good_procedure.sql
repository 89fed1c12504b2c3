-- The batch purge takes the transaction-level lock again in every batch, after each COMMIT.
CREATE PROCEDURE purge_expired_safely()
LANGUAGE plpgsql
AS $$
BEGIN
    LOOP
        SET LOCAL lock_timeout = '5s';
        PERFORM pg_advisory_xact_lock(hashtext('purge_expired'));
        DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < now() LIMIT 1000);
        EXIT WHEN NOT FOUND;
        COMMIT;
    END LOOP;
END
$$;
