// policy.md, "Storage writes: allow only when every written relation is written as `storage.<name>`".

private let dml = "Storage writes: `INSERT`, `UPDATE`, `DELETE`, `MERGE` (the target; any read source is fine)"
private let outside = "A write whose target is not `storage.<name>` is denied with reason `write`"
private let unqualified = "Storage writes: an unqualified name is denied even if it would resolve to `storage`"
private let ctas = "Storage writes: `SELECT ... INTO t` and `CREATE TABLE t AS ...`: `t` must be `storage.t`, the query a read"
private let createTable = "Storage writes: `CREATE [UNLOGGED] TABLE [IF NOT EXISTS] storage.t (...)` and `... (LIKE x)`"
private let temp = "Storage writes: `TEMP`/`TEMPORARY` objects are denied (reason write: they are writes outside `storage`)"
private let related = "Storage writes: `INHERITS`, `PARTITION OF` and `REFERENCES` must name `storage.*` relations too (a foreign key to a platform table would lock platform rows)"
private let index = "Storage writes: `CREATE [UNIQUE] INDEX [CONCURRENTLY] [name] ON storage.t`"
private let alter = "Storage writes: `ALTER TABLE|INDEX|VIEW|MATERIALIZED VIEW|SEQUENCE storage.x ...`, when every relation it names (`SET SCHEMA` target, `REFERENCES`, `INHERIT`, `ATTACH/DETACH PARTITION`) is in `storage` too"
private let drop = "Storage writes: `DROP TABLE|INDEX|VIEW|MATERIALIZED VIEW|SEQUENCE storage.a [, storage.b ...]`; `TRUNCATE storage.a [, ...]`"
private let view = "Storage writes: `CREATE [OR REPLACE] VIEW storage.v AS S` and `CREATE MATERIALIZED VIEW storage.m AS S` where `S` is a read that reads only relations of the workspace schemas (`dl_*`, `storage`)"
private let viewCatalog = "Storage writes: a view over `pg_catalog` or `information_schema` relations is denied (reason other)"
private let refresh = "Storage writes: `REFRESH MATERIALIZED VIEW storage.m` (not `CONCURRENTLY`: it needs temporary tables)"
private let sequence = "Storage writes: `CREATE|ALTER SEQUENCE storage.s`"
private let comment = "Storage writes: `COMMENT ON TABLE|COLUMN|INDEX|VIEW|MATERIALIZED VIEW|SEQUENCE storage....`"
private let copyIn = "Storage writes: `COPY storage.t [(cols)] FROM STDIN`; a write whose target is not `storage.<name>` is denied with reason `write` (this includes `COPY dl_cache.x FROM STDIN`)"
private let everythingElse = "Everything else: deny with reason `other`"

let storageWriteCases: [Case] = [
    // INSERT.
    Case("INSERT INTO storage.notes VALUES (1, 'hello')", .allow, effects: [], kinds: ["InsertStmt"], why: dml),
    Case("INSERT INTO storage.notes (person_id, body) SELECT id, name FROM dl_resolved.people", .allow, why: dml),
    Case("INSERT INTO storage.notes SELECT * FROM dl_cache.person_enrichments JOIN dl_override.person_overrides USING (person_id)", .allow, why: dml),
    Case("INSERT INTO storage.notes TABLE dl_resolved.people", .allow, why: dml),
    Case("INSERT INTO storage.notes DEFAULT VALUES RETURNING *", .allow, why: dml),
    Case("INSERT INTO storage.notes AS n VALUES (1) ON CONFLICT (person_id) DO UPDATE SET body = excluded.body WHERE n.body IS NULL", .allow, why: dml),
    Case("INSERT INTO storage.notes VALUES (1) ON CONFLICT DO NOTHING", .allow, why: dml),
    Case("INSERT INTO storage.notes OVERRIDING SYSTEM VALUE VALUES (1)", .allow, why: dml),
    Case("INSERT INTO dl_cache.person_enrichments VALUES (1)", .deny(.write), why: outside),
    Case("INSERT INTO dl_cache.company_enrichments SELECT * FROM storage.notes", .deny(.write), why: outside),
    Case("INSERT INTO dl_override.person_overrides (person_id) VALUES (1)", .deny(.write), why: outside),
    Case("INSERT INTO dl_resolved.people (id) VALUES (1)", .deny(.write), why: outside),
    Case("INSERT INTO dl_meta.tenant_settings VALUES ('k', 'v')", .deny(.write), why: outside),
    Case("INSERT INTO dl_meta.schema_migrations VALUES (999)", .deny(.write), why: outside),
    Case("INSERT INTO public.notes VALUES (1)", .deny(.write), why: outside),
    Case("INSERT INTO pg_catalog.pg_description VALUES (1, 1, 0, 'x')", .deny(.write), why: outside),
    Case("INSERT INTO notes VALUES (1)", .deny(.write), why: unqualified),
    Case("INSERT INTO storage.notes SELECT * FROM dl_cache.person_enrichments FOR UPDATE", .deny(.write), why: dml + " (a locking read of dl_cache is not a read)"),

    // UPDATE.
    Case("UPDATE storage.notes SET body = 'x'", .allow, kinds: ["UpdateStmt"], why: dml),
    Case("UPDATE ONLY storage.notes AS n SET body = p.name FROM dl_resolved.people p WHERE p.id = n.person_id RETURNING n.*", .allow, why: dml),
    Case("UPDATE storage.notes SET body = 'x' WHERE person_id IN (SELECT person_id FROM dl_cache.person_enrichments)", .allow, why: dml),
    Case("UPDATE storage.notes SET body = 'x' WHERE CURRENT OF c", .allow, why: dml),
    Case("UPDATE dl_override.person_overrides SET name = 'x'", .deny(.write), why: outside),
    Case("UPDATE dl_resolved.people SET name = 'x'", .deny(.write), why: outside),
    Case("UPDATE dl_meta.tenant_settings SET value = 'x' FROM storage.notes", .deny(.write), why: outside),
    Case("UPDATE notes SET body = 'x'", .deny(.write), why: unqualified),

    // DELETE.
    Case("DELETE FROM storage.notes", .allow, kinds: ["DeleteStmt"], why: dml),
    Case("DELETE FROM storage.notes n USING dl_cache.person_enrichments e WHERE e.person_id = n.person_id RETURNING n.*", .allow, why: dml),
    Case("DELETE FROM dl_cache.person_enrichments", .deny(.write), why: outside),
    Case("DELETE FROM dl_meta.schema_migrations WHERE version > 0", .deny(.write), why: outside),
    Case("DELETE FROM ONLY dl_override.company_overrides", .deny(.write), why: outside),
    Case("DELETE FROM person_enrichments", .deny(.write), why: unqualified),

    // MERGE.
    Case(
        "MERGE INTO storage.notes n USING dl_resolved.people p ON n.person_id = p.id WHEN MATCHED THEN UPDATE SET body = p.name WHEN NOT MATCHED THEN INSERT (person_id, body) VALUES (p.id, p.name)",
        .allow, kinds: ["MergeStmt"], why: dml
    ),
    Case("MERGE INTO storage.notes n USING (SELECT * FROM dl_cache.person_enrichments) e ON n.person_id = e.person_id WHEN MATCHED THEN DELETE", .allow, why: dml),
    Case("MERGE INTO dl_cache.person_enrichments e USING storage.notes n ON e.person_id = n.person_id WHEN MATCHED THEN DELETE", .deny(.write), why: outside),
    Case("MERGE INTO notes n USING dl_resolved.people p ON n.person_id = p.id WHEN MATCHED THEN DO NOTHING", .deny(.write), why: unqualified),
    Case(
        "MERGE INTO storage.notes n USING (SELECT * FROM dl_cache.person_enrichments FOR UPDATE) e ON n.person_id = e.person_id WHEN MATCHED THEN DELETE",
        .deny(.write), why: dml + " (the source is a locking read of dl_cache, not a read)"
    ),

    // CREATE TABLE AS / SELECT INTO.
    Case("CREATE TABLE storage.snapshot AS SELECT * FROM dl_resolved.people", .allow, kinds: ["CreateTableAsStmt"], why: ctas),
    Case("CREATE TABLE IF NOT EXISTS storage.snapshot AS SELECT * FROM dl_cache.person_enrichments WITH NO DATA", .allow, why: ctas),
    Case("CREATE UNLOGGED TABLE storage.snapshot AS TABLE dl_resolved.companies", .allow, why: ctas),
    Case("CREATE TABLE storage.snapshot (a, b) AS VALUES (1, 2)", .allow, why: ctas),
    Case("CREATE TABLE storage.catalog_copy AS SELECT relname FROM pg_catalog.pg_class", .allow, why: ctas + " (a table, not a view: the view rule does not apply)"),
    Case("CREATE TABLE snapshot AS SELECT 1", .deny(.write), why: ctas),
    Case("CREATE TABLE dl_cache.snapshot AS SELECT 1", .deny(.write), why: ctas),
    Case("CREATE TEMP TABLE snapshot AS SELECT * FROM dl_resolved.people", .deny(.write), why: temp),
    Case("CREATE TABLE storage.snapshot AS SELECT * FROM dl_cache.person_enrichments FOR UPDATE", .deny(.write), why: ctas),
    Case(
        "CREATE TABLE storage.snapshot AS WITH d AS (DELETE FROM dl_cache.person_enrichments RETURNING *) SELECT * FROM d",
        .deny(.write), why: ctas + "; data-modifying CTEs: each is judged as a write on its own target"
    ),
    Case("CREATE TABLE storage.snapshot AS SELECT * INTO dl_cache.hidden FROM dl_resolved.people", .deny(.write), why: ctas),

    // CREATE TABLE.
    Case("CREATE TABLE storage.notes (id bigint PRIMARY KEY, person_id bigint, body text)", .allow, kinds: ["CreateStmt"], why: createTable),
    Case("CREATE TABLE IF NOT EXISTS storage.notes (id serial)", .allow, why: createTable),
    Case("CREATE UNLOGGED TABLE storage.scratch (a int CHECK (a > 0), b text DEFAULT 'x' NOT NULL)", .allow, why: createTable),
    Case("CREATE TABLE storage.people_like (LIKE dl_resolved.people INCLUDING ALL)", .allow, why: createTable),
    Case("CREATE TABLE storage.class_like (LIKE pg_catalog.pg_class)", .allow, why: createTable + " (`LIKE x`: any x)"),
    Case("CREATE TABLE storage.events (id int, at date) PARTITION BY RANGE (at)", .allow, why: createTable),
    Case("CREATE TABLE storage.scratch (a int) WITH (fillfactor = 70)", .allow, why: createTable),
    Case("CREATE TABLE notes (id int)", .deny(.write), why: unqualified),
    Case("CREATE TABLE dl_cache.notes (id int)", .deny(.write), why: outside),
    Case("CREATE TABLE public.notes (id int)", .deny(.write), why: outside),
    Case("CREATE TABLE pg_temp.notes (id int)", .deny(.write), why: outside + "; " + temp),
    Case("CREATE TEMP TABLE scratch (id int)", .deny(.write), why: temp),
    Case("CREATE TEMPORARY TABLE scratch (id int) ON COMMIT DROP", .deny(.write), why: temp),
    Case("CREATE LOCAL TEMP TABLE scratch (id int)", .deny(.write), why: temp),
    Case("CREATE GLOBAL TEMPORARY TABLE scratch (id int)", .deny(.write), why: temp),
    Case("CREATE TEMP TABLE storage.scratch (id int)", .deny(.write), why: temp),
    Case("CREATE TABLE storage.child (extra int) INHERITS (storage.parent)", .allow, why: related),
    Case("CREATE TABLE storage.child (extra int) INHERITS (dl_cache.person_enrichments)", .deny(.write), why: related),
    Case("CREATE TABLE storage.child () INHERITS (parent)", .deny(.write), why: related + "; " + unqualified),
    Case("CREATE TABLE storage.events_2024 PARTITION OF storage.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", .allow, why: related),
    Case("CREATE TABLE storage.events_default PARTITION OF storage.events DEFAULT", .allow, why: related),
    Case("CREATE TABLE storage.mine PARTITION OF dl_cache.person_enrichments FOR VALUES IN (1)", .deny(.write), why: related),
    Case("CREATE TABLE storage.notes (id int, person_id int REFERENCES storage.people_copy (id))", .allow, why: related),
    Case("CREATE TABLE storage.notes (id int, person_id int REFERENCES dl_cache.person_enrichments (person_id))", .deny(.write), why: related),
    Case("CREATE TABLE storage.notes (k text, FOREIGN KEY (k) REFERENCES dl_meta.tenant_settings (key) ON DELETE CASCADE)", .deny(.write), why: related),
    Case("CREATE TABLE storage.notes (id int REFERENCES people_copy (id))", .deny(.write), why: related + "; " + unqualified),

    // CREATE INDEX.
    Case("CREATE INDEX ON storage.notes (person_id)", .allow, kinds: ["IndexStmt"], why: index),
    Case("CREATE INDEX notes_body_idx ON storage.notes USING gin (to_tsvector('simple', body))", .allow, why: index),
    Case("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS notes_uq ON storage.notes (person_id) WHERE body IS NOT NULL", .allow, why: index),
    Case("CREATE INDEX ON ONLY storage.events (at)", .allow, why: index),
    Case("CREATE INDEX ON dl_cache.person_enrichments (person_id)", .deny(.write), why: outside),
    Case("CREATE INDEX CONCURRENTLY ON dl_resolved.people (id)", .deny(.write), why: outside),
    Case("CREATE INDEX ON notes (person_id)", .deny(.write), why: unqualified),

    // ALTER.
    Case("ALTER TABLE storage.notes ADD COLUMN tags text[]", .allow, kinds: ["AlterTableStmt"], why: alter),
    Case("ALTER TABLE IF EXISTS storage.notes RENAME TO notes_old", .allow, why: alter),
    Case("ALTER TABLE storage.notes RENAME COLUMN body TO text", .allow, why: alter),
    Case("ALTER TABLE storage.notes ALTER COLUMN person_id TYPE bigint, ALTER COLUMN body SET NOT NULL", .allow, why: alter),
    Case("ALTER TABLE storage.notes ENABLE ROW LEVEL SECURITY", .allow, why: alter),
    Case("ALTER TABLE storage.notes SET SCHEMA storage", .allow, why: alter),
    Case("ALTER TABLE storage.notes SET SCHEMA dl_cache", .deny(.write), why: alter),
    Case("ALTER TABLE storage.notes SET SCHEMA public", .deny(.write), why: alter),
    Case("ALTER TABLE dl_cache.person_enrichments SET SCHEMA storage", .deny(.write), why: alter),
    Case("ALTER TABLE storage.notes ADD CONSTRAINT notes_fk FOREIGN KEY (person_id) REFERENCES storage.people_copy (id)", .allow, why: alter),
    Case("ALTER TABLE storage.notes ADD CONSTRAINT notes_fk FOREIGN KEY (person_id) REFERENCES dl_cache.person_enrichments (person_id)", .deny(.write), why: alter),
    Case("ALTER TABLE storage.notes ADD COLUMN tenant text REFERENCES dl_meta.tenant_settings (key)", .deny(.write), why: alter),
    Case("ALTER TABLE storage.child INHERIT storage.parent", .allow, why: alter),
    Case("ALTER TABLE storage.child NO INHERIT storage.parent", .allow, why: alter),
    Case("ALTER TABLE storage.child INHERIT dl_cache.person_enrichments", .deny(.write), why: alter),
    Case("ALTER TABLE storage.events ATTACH PARTITION storage.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')", .allow, why: alter),
    Case("ALTER TABLE storage.events DETACH PARTITION storage.events_2024 CONCURRENTLY", .allow, why: alter),
    Case("ALTER TABLE storage.events ATTACH PARTITION dl_cache.person_enrichments DEFAULT", .deny(.write), why: alter),
    Case("ALTER TABLE dl_cache.person_enrichments ADD COLUMN x int", .deny(.write), why: outside),
    Case("ALTER TABLE notes ADD COLUMN x int", .deny(.write), why: unqualified),
    Case("ALTER INDEX storage.notes_uq RENAME TO notes_unique", .allow, why: alter),
    Case("ALTER INDEX dl_cache.person_enrichments_pkey RENAME TO pk", .deny(.write), why: outside),
    Case("ALTER VIEW storage.recent RENAME TO latest", .allow, why: alter),
    Case("ALTER VIEW dl_resolved.people RENAME TO humans", .deny(.write), why: outside),
    Case("ALTER MATERIALIZED VIEW storage.stats RENAME TO stats_old", .allow, why: alter),
    Case("ALTER MATERIALIZED VIEW dl_resolved.people_stats SET SCHEMA storage", .deny(.write), why: alter),
    Case("ALTER SEQUENCE storage.notes_id_seq RESTART WITH 1", .allow, why: sequence),
    Case("ALTER SEQUENCE dl_meta.migration_seq RESTART", .deny(.write), why: outside),
    Case("ALTER SEQUENCE storage.notes_id_seq OWNED BY dl_cache.person_enrichments.person_id", .deny(.write), why: alter + " (OWNED BY names a relation)"),
    Case("ALTER SEQUENCE storage.notes_id_seq OWNED BY storage.notes.id", .allow, why: alter + " (OWNED BY a storage column, as pg_dump writes for serial columns)"),
    Case("ALTER SEQUENCE storage.notes_id_seq OWNED BY NONE", .allow, why: sequence),
    Case("CREATE SEQUENCE storage.s OWNED BY storage.notes.id", .allow, why: sequence),
    Case("CREATE SEQUENCE storage.s OWNED BY notes.id", .deny(.write), why: alter + " (OWNED BY an unqualified relation)"),
    Case("CREATE SEQUENCE storage.s OWNED BY dl_cache.person_enrichments.person_id", .deny(.write), why: alter + " (OWNED BY names a relation)"),

    // DROP and TRUNCATE.
    Case("DROP TABLE storage.notes", .allow, kinds: ["DropStmt"], why: drop),
    Case("DROP TABLE IF EXISTS storage.a, storage.b CASCADE", .allow, why: drop),
    Case("DROP TABLE storage.a, dl_cache.person_enrichments", .deny(.write), why: drop),
    Case("DROP TABLE dl_cache.person_enrichments", .deny(.write), why: outside),
    Case("DROP TABLE notes", .deny(.write), why: unqualified),
    Case("DROP INDEX storage.notes_uq", .allow, why: drop),
    Case("DROP INDEX CONCURRENTLY IF EXISTS storage.notes_uq", .allow, why: drop),
    Case("DROP INDEX dl_cache.person_enrichments_pkey", .deny(.write), why: outside),
    Case("DROP VIEW storage.recent", .allow, why: drop),
    Case("DROP VIEW dl_resolved.people", .deny(.write), why: outside),
    Case("DROP MATERIALIZED VIEW storage.stats", .allow, why: drop),
    Case("DROP SEQUENCE storage.notes_id_seq", .allow, why: drop),
    Case("DROP SEQUENCE dl_meta.migration_seq", .deny(.write), why: outside),
    Case("TRUNCATE storage.notes", .allow, kinds: ["TruncateStmt"], why: drop),
    Case("TRUNCATE TABLE ONLY storage.a, storage.b RESTART IDENTITY CASCADE", .allow, why: drop),
    Case("TRUNCATE dl_cache.person_enrichments", .deny(.write), why: outside),
    Case("TRUNCATE storage.a, dl_meta.tenant_settings", .deny(.write), why: drop),
    Case("TRUNCATE notes", .deny(.write), why: unqualified),

    // Views.
    Case("CREATE VIEW storage.recent AS SELECT * FROM dl_resolved.people", .allow, kinds: ["ViewStmt"], why: view),
    Case("CREATE OR REPLACE VIEW storage.recent AS SELECT n.* FROM storage.notes n JOIN dl_cache.person_enrichments e USING (person_id)", .allow, why: view),
    Case("CREATE VIEW storage.constant AS SELECT 1 AS one, now() AS at", .allow, why: view + " (it reads no relation at all)"),
    Case("CREATE VIEW storage.series AS SELECT * FROM generate_series(1, 3) AS g", .allow, why: view + " (a function in FROM is no relation)"),
    Case("CREATE VIEW storage.tags AS SELECT n.id, t FROM storage.notes n, unnest(n.tags) AS t", .allow, why: view),
    Case("CREATE VIEW storage.names AS SELECT * FROM unnest(ARRAY(SELECT relname FROM pg_catalog.pg_class)) AS r", .deny(.other), why: viewCatalog + " (inside a function's argument too)"),
    Case("CREATE VIEW storage.sp AS SELECT * FROM set_config('search_path', 'public', false)", .deny(.searchPath), why: "`set_config('search_path', ...)` is refused wherever it appears"),
    Case("CREATE VIEW storage.cat AS SELECT * FROM pg_catalog.pg_class", .deny(.other), why: viewCatalog),
    Case("CREATE VIEW storage.settings AS SELECT * FROM pg_catalog.pg_settings", .deny(.other), why: viewCatalog + "; `pg_settings`' own rule would run `set_config` unseen"),
    Case("CREATE VIEW storage.settings AS SELECT * FROM pg_settings", .deny(.other), why: view + " (unqualified `pg_settings` is not a relation of the workspace schemas)"),
    Case("CREATE VIEW storage.info AS SELECT * FROM information_schema.tables", .deny(.other), why: viewCatalog),
    Case("CREATE VIEW storage.mixed AS SELECT * FROM storage.notes WHERE person_id IN (SELECT oid FROM pg_catalog.pg_class)", .deny(.other), why: viewCatalog),
    Case("CREATE VIEW storage.deep AS WITH c AS (SELECT * FROM pg_catalog.pg_roles) SELECT * FROM c", .deny(.other), why: viewCatalog),
    Case("CREATE VIEW storage.lat AS SELECT * FROM storage.notes, LATERAL (SELECT * FROM pg_catalog.pg_settings) s", .deny(.other), why: viewCatalog),
    Case("CREATE VIEW recent AS SELECT 1", .deny(.write), why: unqualified),
    Case("CREATE VIEW dl_resolved.mine AS SELECT 1", .deny(.write), why: outside),
    Case("CREATE TEMP VIEW recent AS SELECT * FROM dl_resolved.people", .deny(.write), why: temp),
    Case("CREATE VIEW dl_resolved.cat AS SELECT * FROM pg_catalog.pg_class", .deny(.write), why: outside + "; When several rules deny one statement: write comes before other"),
    Case("CREATE VIEW storage.locked AS SELECT * FROM dl_cache.person_enrichments FOR UPDATE", .deny(.write), why: view + " (S must be a read)"),
    Case("CREATE MATERIALIZED VIEW storage.stats AS SELECT count(*) FROM dl_resolved.people", .allow, kinds: ["CreateTableAsStmt"], why: view),
    Case("CREATE MATERIALIZED VIEW IF NOT EXISTS storage.stats AS SELECT * FROM dl_cache.person_enrichments WITH NO DATA", .allow, why: view),
    Case("CREATE MATERIALIZED VIEW storage.cat AS SELECT * FROM pg_catalog.pg_class", .deny(.other), why: viewCatalog),
    Case("CREATE MATERIALIZED VIEW dl_cache.stats AS SELECT 1", .deny(.write), why: outside),
    Case("CREATE MATERIALIZED VIEW stats AS SELECT 1", .deny(.write), why: unqualified),
    Case("REFRESH MATERIALIZED VIEW storage.stats", .allow, kinds: ["RefreshMatViewStmt"], why: refresh),
    Case("REFRESH MATERIALIZED VIEW storage.stats WITH NO DATA", .allow, why: refresh),
    Case("REFRESH MATERIALIZED VIEW CONCURRENTLY storage.stats", .deny(.other), why: refresh),
    Case("REFRESH MATERIALIZED VIEW dl_resolved.people_stats", .deny(.write), why: outside),
    Case("REFRESH MATERIALIZED VIEW stats", .deny(.write), why: unqualified),

    // Sequences.
    Case("CREATE SEQUENCE storage.ticket_seq", .allow, kinds: ["CreateSeqStmt"], why: sequence),
    Case("CREATE SEQUENCE IF NOT EXISTS storage.ticket_seq START 100 INCREMENT BY 10", .allow, why: sequence),
    Case("CREATE SEQUENCE ticket_seq", .deny(.write), why: unqualified),
    Case("CREATE SEQUENCE dl_meta.ticket_seq", .deny(.write), why: outside),
    Case("CREATE TEMP SEQUENCE storage.ticket_seq", .deny(.write), why: temp),

    // COMMENT.
    Case("COMMENT ON TABLE storage.notes IS 'customer notes'", .allow, kinds: ["CommentStmt"], why: comment),
    Case("COMMENT ON COLUMN storage.notes.body IS 'free text'", .allow, why: comment),
    Case("COMMENT ON INDEX storage.notes_uq IS NULL", .allow, why: comment),
    Case("COMMENT ON VIEW storage.recent IS 'x'", .allow, why: comment),
    Case("COMMENT ON MATERIALIZED VIEW storage.stats IS 'x'", .allow, why: comment),
    Case("COMMENT ON SEQUENCE storage.ticket_seq IS 'x'", .allow, why: comment),
    Case("COMMENT ON TABLE dl_cache.person_enrichments IS 'mine now'", .deny(.write), why: outside),
    Case("COMMENT ON COLUMN dl_resolved.people.name IS 'x'", .deny(.write), why: outside),
    Case("COMMENT ON TABLE notes IS 'x'", .deny(.write), why: unqualified),
    Case("COMMENT ON COLUMN storage.notes IS 'x'", .deny(.write), why: unqualified + " (this is column `notes` of an unqualified table named `storage`)"),
    Case("COMMENT ON SCHEMA storage IS 'x'", .deny(.other), why: comment + " (a schema is none of these); " + everythingElse),
    Case("COMMENT ON TYPE storage.mood IS 'x'", .deny(.other), why: comment + " (a type is none of these); " + everythingElse),
    Case("COMMENT ON FUNCTION storage.f() IS 'x'", .deny(.other), why: everythingElse),

    // COPY FROM STDIN.
    Case("COPY storage.notes FROM STDIN", .allow, kinds: ["CopyStmt"], why: copyIn),
    Case("COPY storage.notes (person_id, body) FROM STDIN WITH (FORMAT csv, HEADER true)", .allow, why: copyIn),
    Case("COPY storage.notes FROM STDIN (FORMAT binary) WHERE person_id > 0", .allow, why: copyIn),
    Case("COPY dl_cache.person_enrichments FROM STDIN", .deny(.write), why: copyIn),
    Case("COPY dl_meta.tenant_settings (key, value) FROM STDIN", .deny(.write), why: copyIn),
    Case("COPY notes FROM STDIN", .deny(.write), why: copyIn + "; " + unqualified),
]
