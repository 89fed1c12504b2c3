-- pg_advisory_lock(1) in a comment is not code; nor is 'pg_advisory_lock(2)' in a string.
/* SELECT pg_advisory_lock(3); */
BEGIN;
SET LOCAL lock_timeout = '5s';
SELECT pg_advisory_xact_lock(hashtext('migrations'));
ALTER TABLE accounts ADD COLUMN note text;
COMMIT;

SELECT pg_try_advisory_lock(12);
VACUUM accounts;
SELECT pg_advisory_unlock(12);

CREATE FUNCTION settle(account bigint) RETURNS boolean LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN pg_try_advisory_xact_lock(account);
END
$fn$;
