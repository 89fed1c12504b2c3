-- Nightly maintenance script, run with psql.
SELECT pg_advisory_xact_lock(12); -- expect: LW103, LW104

BEGIN;
SELECT pg_advisory_lock(12); -- expect: LW101, LW102, LW104
UPDATE accounts SET balance = balance * 1.01;
COMMIT;

SELECT pg_advisory_unlock(13); -- expect: LW107

CREATE FUNCTION refresh_totals() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_try_advisory_lock(hashtext('totals')); -- expect: LW101, LW102
  REFRESH MATERIALIZED VIEW totals;
  PERFORM pg_advisory_unlock(hashtext('totals')); -- expect: LW105
END
$$;

SELECT pg_try_advisory_xact_lock(5550193847); -- expect: LW103, LW106
