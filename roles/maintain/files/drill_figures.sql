-- What the PostgreSQL restore drill compares between production and its restored copy, printed as one JSON document:
--   at          the moment the figures describe: the server's clock when the snapshot was taken (on production, the
--               restore point the drill then asks Azure for)
--   migrations  the Django migration head, the latest migration recorded per app (null without django_migrations)
--   tables      the row count of each table: every user table, or the list given as a JSON array in :tables (a table
--               that does not exist counts null)
--   replayed    on a restored server, the commit time of the last transaction its recovery replayed (null elsewhere)
-- One READ ONLY, REPEATABLE READ transaction: every figure comes from the same snapshot, and the session cannot write
-- (the caller also sets default_transaction_read_only in PGOPTIONS).
\set ON_ERROR_STOP on
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
-- The first statement takes the snapshot: its start time is the moment the figures describe.
SELECT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at \gset
SELECT to_regclass('django_migrations') IS NOT NULL AS django \gset
\if :django
SELECT coalesce(json_object_agg(app, name ORDER BY app), '{}') AS migrations
  FROM (SELECT DISTINCT ON (app) app, name FROM django_migrations ORDER BY app, id DESC) AS head \gset
\else
\set migrations null
\endif
WITH every_table AS (
  SELECT c.oid::regclass AS rel, CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name
    FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
     AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
), listed AS (
  SELECT name, to_regclass(name) AS rel FROM json_array_elements_text(:'tables'::json) AS name
), chosen AS (
  SELECT name, rel FROM listed
  UNION ALL
  SELECT name, rel FROM every_table WHERE NOT EXISTS (SELECT 1 FROM listed)
)
SELECT json_build_object(
  'at', :'at',
  'migrations', :'migrations'::json,
  'tables', (SELECT coalesce(json_object_agg(name, CASE WHEN rel IS NOT NULL THEN
               (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %s', rel), false, true, '')))[1]::text::bigint
             END ORDER BY name), '{}') FROM chosen),
  'replayed', to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
COMMIT;
