// policy.md, "Reads: allow".

private let read = "Reads: allow `SELECT`, `VALUES`, `TABLE t`, without `INTO`, and without a locking clause on a non-`storage` relation"
private let readAnyRelation = "Reads: the read rule names no schema: any relation may be read (pg_catalog, information_schema: drivers and BI tools need it)"
private let locking = "Reads: … without a locking clause (`FOR UPDATE/NO KEY UPDATE/SHARE/KEY SHARE`) on a non-`storage` relation; a write whose target is not `storage.<name>` is denied with reason `write`"
private let lockingStorage = "Storage writes: `LOCK storage.t` in any mode; a locking read whose locked relations are all `storage.*`"
private let into = "Storage writes: `SELECT ... INTO t` and `CREATE TABLE t AS ...`: `t` must be `storage.t`, the query a read"
private let with = "Reads: `WITH ...` whose every CTE, at any depth, and whose main statement are reads"
private let dmlCTE = "Storage writes: data-modifying CTEs: each is judged as a write on its own target"
private let explain = "Reads: `EXPLAIN [options] S`: the verdict of `S` (with or without ANALYZE)"
private let show = "Reads: `SHOW name`, `SHOW ALL`"
private let cursor = "Reads: `DECLARE c [NO SCROLL|SCROLL] CURSOR [WITHOUT HOLD] FOR S` when `S` is a read; `FETCH`, `MOVE`, `CLOSE`"
private let copyOut = "Reads: `COPY (read query) TO STDOUT`, `COPY t [(cols)] TO STDOUT` for any table"
private let lockShare = "Reads: `LOCK t IN ACCESS SHARE MODE` for any table (pg_dump does this)"
private let lockWrite = "A write whose target is not `storage.<name>` is denied with reason `write` (this includes … `LOCK dl_cache.x IN EXCLUSIVE MODE`)"
private let failClosed = "Anything this document does not allow is denied (fail closed)"

let readCases: [Case] = [
    // Plain reads of every workspace schema.
    Case("SELECT * FROM dl_resolved.people", .allow, effects: [], kinds: ["SelectStmt"], why: read),
    Case("SELECT * FROM dl_resolved.companies", .allow, why: read),
    Case("select id, name from dl_resolved.people where id = 1", .allow, why: read),
    Case("SELECT * FROM dl_cache.person_enrichments WHERE person_id = 42", .allow, why: read),
    Case("SELECT * FROM dl_cache.company_enrichments", .allow, why: read),
    Case("SELECT * FROM dl_override.person_overrides", .allow, why: read),
    Case("SELECT * FROM dl_override.company_overrides", .allow, why: read),
    Case("SELECT * FROM dl_meta.schema_migrations ORDER BY 1", .allow, why: read),
    Case("SELECT * FROM dl_meta.tenant_settings", .allow, why: read),
    Case("SELECT * FROM storage.notes", .allow, why: read),
    Case("SELECT 1", .allow, effects: [], why: read),
    Case("SELECT", .allow, why: read),
    Case("SELECT now(), version(), current_user", .allow, why: read),
    Case("SELECT current_setting('search_path')", .allow, why: read),
    Case("SELECT pg_catalog.current_setting('standard_conforming_strings')", .allow, why: read),
    Case("SELECT * FROM pg_catalog.pg_class", .allow, why: readAnyRelation),
    Case("SELECT relname FROM pg_class WHERE relkind = 'r'", .allow, why: readAnyRelation),
    Case("SELECT * FROM information_schema.tables WHERE table_schema = 'storage'", .allow, why: readAnyRelation),
    Case("SELECT * FROM pg_catalog.pg_settings", .allow, why: readAnyRelation),
    Case("SELECT * FROM people", .allow, why: "Reads: unqualified names are a concern of writes only; the server resolves nothing with search_path ''"),
    Case(
        "SELECT p.id, e.payload FROM dl_resolved.people p JOIN dl_cache.person_enrichments e ON e.person_id = p.id LEFT JOIN dl_override.person_overrides o ON o.person_id = p.id",
        .allow, why: read
    ),
    Case("SELECT id FROM dl_cache.person_enrichments EXCEPT SELECT person_id FROM dl_override.person_overrides", .allow, why: read),
    Case("SELECT 1 UNION ALL SELECT 2 INTERSECT SELECT 2", .allow, why: read),
    Case("SELECT count(*) FROM dl_resolved.companies GROUP BY country HAVING count(*) > 1", .allow, why: read),
    Case("SELECT id, rank() OVER (PARTITION BY country ORDER BY id) FROM dl_resolved.companies", .allow, why: read),
    Case("SELECT DISTINCT ON (country) * FROM dl_resolved.companies ORDER BY country, id LIMIT 10 OFFSET 5", .allow, why: read),
    Case("SELECT * FROM ONLY dl_cache.person_enrichments", .allow, why: read),
    Case("SELECT * FROM dl_cache.person_enrichments TABLESAMPLE SYSTEM (10)", .allow, why: read),
    Case("SELECT * FROM dl_resolved.people p, LATERAL (SELECT * FROM storage.notes n WHERE n.person_id = p.id) x", .allow, why: read),
    Case("SELECT EXISTS (SELECT 1 FROM storage.notes), ARRAY(SELECT id FROM dl_resolved.people)", .allow, why: read),
    Case("SELECT * FROM generate_series(1, 10) AS g(n)", .allow, why: read),
    Case("SELECT * FROM dl_resolved.people WHERE id = $1", .allow, why: read),
    Case("VALUES (1, 'a'), (2, 'b') ORDER BY 1", .allow, why: read),
    Case("TABLE dl_resolved.people", .allow, why: read),
    Case("TABLE storage.notes", .allow, why: read),
    Case("SELECT 'INSERT INTO dl_cache.person_enrichments VALUES (1)'", .allow, why: "The parser decides what a statement is: text inside a string literal is data"),

    // Locking clauses.
    Case("SELECT * FROM dl_cache.person_enrichments FOR UPDATE", .deny(.write), why: locking),
    Case("SELECT * FROM dl_cache.person_enrichments FOR NO KEY UPDATE", .deny(.write), why: locking),
    Case("SELECT * FROM dl_cache.person_enrichments FOR SHARE", .deny(.write), why: locking),
    Case("SELECT * FROM dl_cache.person_enrichments FOR KEY SHARE", .deny(.write), why: locking),
    Case("SELECT * FROM dl_resolved.people FOR UPDATE OF people", .deny(.write), why: locking),
    Case("SELECT * FROM dl_meta.tenant_settings FOR SHARE SKIP LOCKED", .deny(.write), why: locking),
    Case("SELECT * FROM pg_catalog.pg_class FOR SHARE", .deny(.write), why: locking),
    Case("SELECT * FROM notes FOR UPDATE", .deny(.write), why: locking + "; an unqualified name is denied even if it would resolve to `storage`"),
    Case("SELECT * FROM storage.notes FOR UPDATE", .allow, why: lockingStorage),
    Case("SELECT * FROM storage.notes n FOR NO KEY UPDATE OF n NOWAIT", .allow, why: lockingStorage),
    Case("SELECT * FROM storage.notes FOR KEY SHARE SKIP LOCKED", .allow, why: lockingStorage),
    Case("SELECT * FROM storage.notes, dl_cache.person_enrichments FOR UPDATE", .deny(.write), why: lockingStorage),
    Case(
        "SELECT * FROM storage.notes n JOIN dl_cache.person_enrichments e ON e.person_id = n.person_id FOR UPDATE OF e",
        .deny(.write), why: locking
    ),
    Case(
        "SELECT * FROM storage.notes n JOIN dl_cache.person_enrichments e ON e.person_id = n.person_id FOR UPDATE OF n",
        .allow, why: lockingStorage + " (only `n`, that is `storage.notes`, is locked)"
    ),
    Case("SELECT * FROM (SELECT * FROM dl_cache.person_enrichments) s FOR UPDATE", .deny(.write), why: locking),
    Case("SELECT * FROM (SELECT * FROM storage.notes) s FOR UPDATE", .allow, why: lockingStorage + " (the sub-SELECT's tables are the locked ones)"),
    Case("SELECT * FROM (SELECT * FROM storage.notes n JOIN storage.tags t ON t.id = n.id) s FOR SHARE OF s", .allow, why: lockingStorage + " (OF a sub-SELECT locks its tables)"),
    Case("SELECT * FROM (SELECT * FROM dl_cache.person_enrichments) s FOR SHARE OF s", .deny(.write), why: locking),
    Case("SELECT * FROM storage.notes n, (SELECT * FROM dl_cache.person_enrichments) s FOR UPDATE OF n", .allow, why: lockingStorage + " (only `n` is locked)"),
    Case("SELECT * FROM (SELECT * FROM (SELECT * FROM dl_cache.person_enrichments) i) s FOR UPDATE", .deny(.write), why: locking + " (nested sub-SELECTs are locked too)"),
    Case("SELECT * FROM (SELECT * FROM storage.notes UNION ALL SELECT * FROM storage.notes) s FOR UPDATE", .deny(.write), why: locking + " (a set operation is not modelled: fail closed)"),
    Case("SELECT * FROM storage.notes, generate_series(1, 2) g FOR UPDATE", .allow, why: lockingStorage + " (a function in FROM locks nothing)"),
    Case(
        "SELECT * FROM storage.notes WHERE person_id IN (SELECT person_id FROM dl_cache.person_enrichments FOR UPDATE)",
        .deny(.write), why: locking
    ),
    Case("WITH c AS (SELECT * FROM dl_cache.person_enrichments FOR SHARE) SELECT * FROM c", .deny(.write), why: locking + "; " + with),

    // SELECT INTO.
    Case("SELECT * INTO storage.people_copy FROM dl_resolved.people", .allow, kinds: ["SelectStmt"], why: into),
    Case("SELECT * INTO UNLOGGED storage.people_copy FROM dl_resolved.people", .allow, why: into),
    Case("SELECT * INTO people_copy FROM dl_resolved.people", .deny(.write), why: into),
    Case("SELECT * INTO dl_cache.people_copy FROM dl_resolved.people", .deny(.write), why: into),
    Case("SELECT * INTO TEMP people_copy FROM dl_resolved.people", .deny(.write), why: "Storage writes: `TEMP`/`TEMPORARY` objects are denied (reason write: they are writes outside `storage`)"),
    Case("SELECT * INTO TEMPORARY TABLE storage.people_copy FROM dl_resolved.people", .deny(.write), why: "Storage writes: `TEMP`/`TEMPORARY` objects are denied (reason write)"),
    Case("SELECT * INTO storage.locked FROM dl_cache.person_enrichments FOR UPDATE", .deny(.write), why: into + "; " + locking),
    Case("WITH p AS (SELECT * FROM dl_resolved.people) SELECT * INTO storage.people_copy FROM p", .allow, why: into),

    // WITH.
    Case("WITH p AS (SELECT * FROM dl_resolved.people) SELECT * FROM p", .allow, why: with),
    Case("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r", .allow, why: with),
    Case("WITH a AS (WITH b AS (SELECT * FROM dl_cache.person_enrichments) SELECT * FROM b) SELECT * FROM a", .allow, why: with),
    Case("WITH m AS MATERIALIZED (SELECT 1), n AS NOT MATERIALIZED (SELECT 2) SELECT * FROM m, n", .allow, why: with),
    Case("WITH d AS (DELETE FROM storage.notes WHERE done RETURNING *) SELECT count(*) FROM d", .allow, why: dmlCTE),
    Case("WITH d AS (DELETE FROM dl_cache.person_enrichments RETURNING *) SELECT * FROM d", .deny(.write), why: dmlCTE),

    // EXPLAIN.
    Case("EXPLAIN SELECT * FROM dl_resolved.people", .allow, kinds: ["ExplainStmt"], why: explain),
    Case("EXPLAIN ANALYZE SELECT * FROM dl_resolved.people", .allow, why: explain),
    Case("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT 1", .allow, why: explain),
    Case("EXPLAIN ANALYZE DELETE FROM dl_cache.person_enrichments", .deny(.write), why: explain),
    Case("EXPLAIN DELETE FROM dl_cache.person_enrichments", .deny(.write), why: explain + " (ANALYZE or not)"),
    Case("EXPLAIN (ANALYZE) INSERT INTO storage.notes VALUES (1)", .allow, why: explain),
    Case("EXPLAIN ANALYZE CREATE TABLE storage.snapshot AS SELECT * FROM dl_resolved.people", .allow, why: explain + "; " + into),
    Case("EXPLAIN ANALYZE CREATE TABLE dl_cache.snapshot AS SELECT 1", .deny(.write), why: explain + "; " + into),
    Case("EXPLAIN ANALYZE SELECT * INTO dl_cache.snapshot FROM dl_resolved.people", .deny(.write), why: explain + "; " + into),
    Case("EXPLAIN SELECT * FROM dl_cache.person_enrichments FOR UPDATE", .deny(.write), why: explain + "; " + locking),

    // SHOW.
    Case("SHOW search_path", .allow, kinds: ["VariableShowStmt"], why: show),
    Case("SHOW ALL", .allow, why: show),
    Case("SHOW server_version", .allow, why: show),
    Case("SHOW TIME ZONE", .allow, why: show),
    Case("SHOW TRANSACTION ISOLATION LEVEL", .allow, why: show),
    Case("show standard_conforming_strings", .allow, why: show),

    // Cursors.
    Case("DECLARE c CURSOR FOR SELECT * FROM dl_resolved.people", .allow, kinds: ["DeclareCursorStmt"], why: cursor),
    Case("DECLARE c NO SCROLL CURSOR WITHOUT HOLD FOR SELECT * FROM dl_cache.person_enrichments", .allow, why: cursor),
    Case("DECLARE c SCROLL CURSOR FOR TABLE dl_resolved.companies", .allow, why: cursor),
    Case("DECLARE c CURSOR FOR VALUES (1), (2)", .allow, why: cursor),
    Case("DECLARE c CURSOR FOR SELECT * FROM storage.notes FOR UPDATE", .allow, why: cursor + "; " + lockingStorage),
    Case("DECLARE c CURSOR FOR SELECT * FROM dl_cache.person_enrichments FOR UPDATE", .deny(.write), why: cursor + "; " + locking),
    Case("DECLARE c CURSOR FOR SELECT * INTO dl_cache.x FROM dl_resolved.people", .deny(.write), why: cursor + "; " + into),
    Case(
        "DECLARE c CURSOR FOR WITH d AS (DELETE FROM dl_cache.person_enrichments RETURNING *) SELECT * FROM d",
        .deny(.write), why: cursor + "; " + dmlCTE
    ),
    Case(
        "DECLARE c CURSOR FOR WITH d AS (DELETE FROM storage.notes RETURNING *) SELECT * FROM d",
        .deny(.other), why: cursor + " (a storage-writing S is not a read; nothing else allows it: " + failClosed + ")"
    ),
    Case("DECLARE c BINARY CURSOR FOR SELECT 1", .deny(.other), why: cursor + " (BINARY is not in the allowed form; " + failClosed + ")"),
    Case("FETCH 10 FROM c", .allow, why: cursor),
    Case("FETCH ALL IN c", .allow, why: cursor),
    Case("FETCH NEXT FROM c", .allow, why: cursor),
    Case("MOVE FORWARD 5 IN c", .allow, why: cursor),
    Case("MOVE ABSOLUTE 0 IN c", .allow, why: cursor),
    Case("CLOSE c", .allow, kinds: ["ClosePortalStmt"], why: cursor),

    // COPY ... TO STDOUT.
    Case("COPY (SELECT * FROM dl_resolved.people) TO STDOUT", .allow, kinds: ["CopyStmt"], why: copyOut),
    Case("COPY (SELECT * FROM dl_resolved.people WHERE id < 10) TO STDOUT WITH (FORMAT csv, HEADER true)", .allow, why: copyOut),
    Case("COPY dl_cache.person_enrichments TO STDOUT", .allow, why: copyOut),
    Case("COPY dl_cache.person_enrichments (person_id, payload) TO STDOUT (FORMAT binary)", .allow, why: copyOut),
    Case("COPY pg_catalog.pg_class TO STDOUT", .allow, why: copyOut),
    Case("COPY person_enrichments TO STDOUT", .allow, why: copyOut + " (any table: reading an unqualified name writes nothing)"),
    Case("COPY storage.notes TO STDOUT", .allow, why: copyOut),
    Case("COPY (SELECT * FROM dl_cache.person_enrichments FOR UPDATE) TO STDOUT", .deny(.write), why: copyOut + "; " + locking),
    Case("COPY (DELETE FROM dl_cache.person_enrichments RETURNING *) TO STDOUT", .deny(.write), why: copyOut + "; a write whose target is not `storage.<name>` is denied with reason `write`"),
    Case(
        "COPY (DELETE FROM storage.notes RETURNING *) TO STDOUT", .deny(.other),
        why: "Reads: `COPY (read query) TO STDOUT`: a DELETE is not a read query, and no storage-write line allows COPY of it; " + failClosed
    ),

    // LOCK.
    Case("LOCK TABLE dl_cache.person_enrichments IN ACCESS SHARE MODE", .allow, kinds: ["LockStmt"], why: lockShare),
    Case("LOCK dl_resolved.people IN ACCESS SHARE MODE", .allow, why: lockShare),
    Case("LOCK TABLE pg_catalog.pg_class IN ACCESS SHARE MODE", .allow, why: lockShare),
    Case("LOCK TABLE person_enrichments IN ACCESS SHARE MODE", .allow, why: lockShare + " (any table)"),
    Case("LOCK TABLE storage.notes, dl_cache.person_enrichments IN ACCESS SHARE MODE", .allow, why: lockShare),
    Case("LOCK TABLE dl_cache.person_enrichments IN EXCLUSIVE MODE", .deny(.write), why: lockWrite),
    Case("LOCK TABLE dl_cache.person_enrichments", .deny(.write), why: lockWrite + " (the default mode is ACCESS EXCLUSIVE)"),
    Case("LOCK TABLE dl_cache.person_enrichments IN ROW SHARE MODE", .deny(.write), why: lockWrite),
    Case("LOCK TABLE dl_override.person_overrides IN ROW EXCLUSIVE MODE", .deny(.write), why: lockWrite),
    Case("LOCK TABLE dl_meta.tenant_settings IN SHARE UPDATE EXCLUSIVE MODE", .deny(.write), why: lockWrite),
    Case("LOCK TABLE dl_resolved.people IN SHARE MODE", .deny(.write), why: lockWrite),
    Case("LOCK TABLE dl_cache.company_enrichments IN SHARE ROW EXCLUSIVE MODE", .deny(.write), why: lockWrite),
    Case("LOCK TABLE pg_catalog.pg_authid IN ACCESS EXCLUSIVE MODE", .deny(.write), why: lockWrite),
    Case("LOCK TABLE notes IN SHARE MODE", .deny(.write), why: lockWrite + "; an unqualified name is denied even if it would resolve to `storage`"),
    Case("LOCK TABLE storage.notes, dl_cache.person_enrichments IN SHARE MODE", .deny(.write), why: lockWrite),
    Case("LOCK TABLE storage.notes IN ACCESS EXCLUSIVE MODE", .allow, why: lockingStorage),
    Case("LOCK storage.notes", .allow, why: lockingStorage),
    Case("LOCK TABLE ONLY storage.notes IN SHARE MODE NOWAIT", .allow, why: lockingStorage),
]
