// The spellings a careful attacker tries. Each is decided by what the parser
// makes of the text, never by the text's look.

private let exact = "Storage writes: the schema must be written out in the statement and equal `storage` exactly (`\"storage\"` quoted is the same name; `\"Storage\"` or `U&\"...\"` spelling another name is not)"
private let threePart = "Storage writes: a three-part name `db.storage.t` counts as qualified"
private let unqualified = "Storage writes: an unqualified name is denied even if it would resolve to `storage`"
private let outside = "A write whose target is not `storage.<name>` is denied with reason `write`"
private let parser = "The PostgreSQL parser is the only authority on what a statement *is*: never decide by regular expressions or keyword search"
private let dmlCTE = "Storage writes: data-modifying CTEs: each is judged as a write on its own target; Reads: `WITH ...` whose every CTE, at any depth, and whose main statement are reads"
private let into = "Storage writes: `SELECT ... INTO t`: `t` must be `storage.t`, the query a read"
private let wholeQuery = "Verdicts: a simple `Query` message that holds one denied statement is denied as a whole"

private let setConfig = "Functions that act: `set_config(name, value, is_local)` … is judged exactly as `SET name = value`, wherever it is called"
private let largeObjects = "Functions that act: every `lo_*` function, `lowrite` and `loread` is denied (reason write)"
private let sqlText = "Functions that act: functions that run SQL given as text are denied (reason other)"
private let advisory = "Functions that act: in transaction pooling, session-level advisory locks are denied (reason other)"
private let encoding = "Session control: deny with reason other: `client_encoding` set to an encoding that only clients may use … and their aliases"

let evasionCases: [Case] = [
    // Quoting and case folding of the schema name.
    Case(#"INSERT INTO "storage".notes VALUES (1)"#, .allow, why: exact),
    Case(#"INSERT INTO "storage"."notes" VALUES (1)"#, .allow, why: exact),
    Case(#"INSERT INTO storage."Notes With Spaces" VALUES (1)"#, .allow, why: exact),
    Case(#"INSERT INTO storage."dl_cache.person_enrichments" VALUES (1)"#, .allow, why: exact + " (a table of `storage` with a dotted name)"),
    Case("INSERT INTO STORAGE.notes VALUES (1)", .allow, why: exact + " (unquoted identifiers fold to lower case: this is `storage`)"),
    Case("insert into StOrAgE.notes values (1)", .allow, why: exact + " (unquoted identifiers fold to lower case)"),
    Case(#"INSERT INTO "Storage".notes VALUES (1)"#, .deny(.write), why: exact),
    Case(#"INSERT INTO "STORAGE".notes VALUES (1)"#, .deny(.write), why: exact),
    Case(#"UPDATE "Storage".notes SET body = 'x'"#, .deny(.write), why: exact),
    Case(#"DROP TABLE "Storage".notes"#, .deny(.write), why: exact),
    Case(#"COPY "Storage".notes FROM STDIN"#, .deny(.write), why: exact),
    Case(#"INSERT INTO "storage ".notes VALUES (1)"#, .deny(.write), why: exact + " (a trailing space is another name)"),
    Case(#"INSERT INTO " storage".notes VALUES (1)"#, .deny(.write), why: exact),
    Case(#"INSERT INTO "storage.notes" VALUES (1)"#, .deny(.write), why: unqualified + " (one quoted identifier containing a dot is an unqualified name)"),
    Case("INSERT INTO \"storage\u{200B}\".notes VALUES (1)", .deny(.write), why: exact + " (a zero-width space is part of the name)"),
    Case("INSERT INTO \"\u{0455}torage\".notes VALUES (1)", .deny(.write), why: exact + " (Cyrillic dze is not Latin s)"),
    Case("INSERT INTO \u{0455}torage.notes VALUES (1)", .deny(.write), why: exact + " (an unquoted homoglyph is another name)"),
    Case("INSERT INTO \"stora\u{0301}ge\".notes VALUES (1)", .deny(.write), why: exact + " (a combining accent is another name)"),

    // Unicode-escaped identifiers.
    Case(#"INSERT INTO U&"\0073torage".notes VALUES (1)"#, .allow, why: exact + " (U&\"\\0073torage\" spells `storage` exactly)"),
    Case(#"INSERT INTO U&"stor\0061ge".notes VALUES (1)"#, .allow, why: exact + " (spells `storage` exactly)"),
    Case(#"INSERT INTO U&"!0073torage" UESCAPE '!'.notes VALUES (1)"#, .allow, why: exact + " (UESCAPE: still spells `storage`)"),
    Case(#"INSERT INTO U&"\+000073torage".notes VALUES (1)"#, .allow, why: exact + " (six-digit escape, still `storage`)"),
    Case(#"INSERT INTO U&"\0053torage".notes VALUES (1)"#, .deny(.write), why: exact + " (U&\"\\0053torage\" spells `Storage`)"),
    Case(#"INSERT INTO U&"storage\200B".notes VALUES (1)"#, .deny(.write), why: exact + " (a zero-width space)"),
    Case(#"INSERT INTO U&"\0064l_cache".person_enrichments VALUES (1)"#, .deny(.write), why: outside + " (spells `dl_cache`)"),
    Case(#"INSERT INTO storage.U&"\006Eotes" VALUES (1)"#, .allow, why: exact),
    Case(#"CREATE TABLE U&"\0073torage".t (id int)"#, .allow, why: exact),
    Case(#"SELECT * FROM U&"\0064l_cache".person_enrichments FOR UPDATE"#, .deny(.write), why: outside),

    // Comments and whitespace between schema and dot.
    Case("INSERT INTO storage /*x*/ . notes VALUES (1)", .allow, why: exact + "; comments and whitespace are not part of a name"),
    Case("INSERT INTO storage . notes VALUES (1)", .allow, why: exact),
    Case("INSERT INTO storage\n.\nnotes VALUES (1)", .allow, why: exact),
    Case("INSERT INTO storage -- the schema\n.notes VALUES (1)", .allow, why: exact),
    Case("INSERT INTO \"storage\"/* a */./* b */\"notes\" VALUES (1)", .allow, why: exact),
    Case("INSERT INTO /* storage. */ notes VALUES (1)", .deny(.write), why: unqualified + " (the qualification is inside a comment)"),
    Case("INSERT INTO notes /* .storage */ VALUES (1)", .deny(.write), why: unqualified),
    Case("DELETE FROM dl_cache /* storage */ . person_enrichments", .deny(.write), why: outside),
    Case("UPDATE\tstorage\t.\tnotes\tSET\tbody='x'", .allow, why: exact),

    // Three-part names.
    Case("INSERT INTO customer_db.storage.notes VALUES (1)", .allow, why: threePart),
    Case(#"INSERT INTO "customer_db"."storage"."notes" VALUES (1)"#, .allow, why: threePart),
    Case("DELETE FROM customer_db.storage.notes", .allow, why: threePart),
    Case("CREATE TABLE customer_db.storage.t (id int)", .allow, why: threePart),
    Case("TRUNCATE customer_db.storage.notes", .allow, why: threePart),
    Case("COPY customer_db.storage.notes FROM STDIN", .allow, why: threePart),
    Case("LOCK TABLE customer_db.storage.notes IN EXCLUSIVE MODE", .allow, why: threePart),
    Case("SELECT * FROM customer_db.storage.notes FOR UPDATE", .allow, why: threePart),
    Case("COMMENT ON COLUMN customer_db.storage.notes.body IS 'x'", .allow, why: threePart),
    Case("UPDATE customer_db.dl_cache.person_enrichments SET payload = NULL", .deny(.write), why: outside),
    Case("INSERT INTO storage.dl_cache.person_enrichments VALUES (1)", .deny(.write), why: outside + " (database `storage`, schema `dl_cache`)"),
    Case("INSERT INTO storage.notes.body VALUES (1)", .deny(.write), why: outside + " (database `storage`, schema `notes`)"),
    Case(#"INSERT INTO customer_db."Storage".notes VALUES (1)"#, .deny(.write), why: exact),

    // Dollar quoting and string literals.
    Case("SELECT $a$; DELETE FROM dl_cache.person_enrichments; $a$", .allow, why: parser + " (one dollar-quoted string)"),
    Case("SELECT $a$ $b$; DELETE FROM dl_cache.person_enrichments; $b$ $a$", .allow, why: parser),
    Case("SELECT $$ $$; DELETE FROM dl_cache.person_enrichments", .deny(.write), statements: 2, why: wholeQuery),
    Case("SELECT $_$$$; DROP TABLE dl_cache.person_enrichments; --$_$", .allow, why: parser + " (`$$` inside `$_$` quotes)"),
    Case(#"SELECT E'it\'s; DELETE FROM dl_cache.person_enrichments; --'"#, .allow, why: parser + " (in an E'' string, \\' is a quote)"),
    Case(#"SELECT 'it\'s; DELETE FROM dl_cache.person_enrichments; --'"#, .deny(.write), statements: 2, why: parser + " (with standard_conforming_strings on, 'it\\' ends the string, and a DELETE follows)"),
    Case("SELECT 'a''; DELETE FROM dl_cache.person_enrichments; --'", .allow, why: parser + " ('' is a quote inside the string)"),
    Case("SELECT 'x'\n'; DELETE FROM dl_cache.person_enrichments; --'", .allow, why: parser + " (string constants separated by a newline are one constant)"),
    Case(#"SELECT U&'\0027; DELETE FROM dl_cache.person_enrichments; --'"#, .allow, why: parser + " (\\0027 inside U&'' is data)"),
    Case(#"SELECT "; DELETE FROM dl_cache.person_enrichments; --" FROM storage.notes"#, .allow, why: parser + " (a quoted column name)"),

    // Comments.
    Case("/* DELETE FROM dl_cache.person_enrichments; */ SELECT 1", .allow, why: parser),
    Case("SELECT 1 /* /* nested */ ; DELETE FROM dl_cache.person_enrichments; */", .allow, why: parser + " (block comments nest)"),
    Case("SELECT 1 /* /* nested */ */; DELETE FROM dl_cache.person_enrichments", .deny(.write), statements: 2, why: wholeQuery),
    Case("SELECT 1 -- ; DELETE FROM dl_cache.person_enrichments", .allow, why: parser + " (a line comment runs to the end of the line)"),
    Case("SELECT 1 -- comment\n; DELETE FROM dl_cache.person_enrichments", .deny(.write), statements: 2, why: wholeQuery),
    Case("/* leading */ DELETE /* inner */ FROM /* x */ dl_cache.person_enrichments", .deny(.write), why: outside),
    Case("SELECT 1 --\r; DELETE FROM dl_cache.person_enrichments", .deny(.write), statements: 2, why: parser + " (a carriage return ends a line comment)"),

    // Nested and hidden data-modifying CTEs.
    Case("WITH d AS (UPDATE dl_override.person_overrides SET name = 'x' RETURNING *) SELECT 1", .deny(.write), why: dmlCTE),
    Case("WITH d AS (INSERT INTO dl_cache.person_enrichments VALUES (1) RETURNING *) SELECT * FROM dl_resolved.people", .deny(.write), why: dmlCTE),
    Case("WITH d AS (INSERT INTO storage.log SELECT id FROM dl_resolved.people RETURNING id) SELECT count(*) FROM d", .allow, why: dmlCTE),
    Case(
        "WITH a AS (WITH b AS (DELETE FROM dl_cache.person_enrichments RETURNING *) SELECT * FROM b) SELECT * FROM a",
        .deny(.write), why: dmlCTE + " (at any depth)"
    ),
    Case(
        "WITH a AS (SELECT 1), b AS (WITH c AS (SELECT 2), d AS (UPDATE dl_meta.tenant_settings SET value = 'x' RETURNING 1) SELECT * FROM d) SELECT * FROM a, b",
        .deny(.write), why: dmlCTE + " (at any depth)"
    ),
    Case("SELECT * FROM (WITH d AS (DELETE FROM dl_cache.person_enrichments RETURNING *) SELECT * FROM d) s", .deny(.write), why: dmlCTE + " (in a subquery)"),
    Case(
        "SELECT 1 WHERE EXISTS (WITH d AS (DELETE FROM dl_cache.person_enrichments RETURNING 1) SELECT 1 FROM d)",
        .deny(.write), why: dmlCTE + " (in a sublink)"
    ),
    Case("SELECT (WITH d AS (DELETE FROM dl_cache.person_enrichments RETURNING 1) SELECT 1 FROM d LIMIT 1)", .deny(.write), why: dmlCTE + " (in a scalar subquery)"),
    Case(
        "WITH d AS (DELETE FROM storage.a RETURNING *), e AS (DELETE FROM dl_cache.person_enrichments RETURNING *) SELECT 1",
        .deny(.write), why: dmlCTE
    ),
    Case(
        "WITH d AS (DELETE FROM dl_cache.person_enrichments RETURNING *) INSERT INTO storage.archive SELECT * FROM d",
        .deny(.write), why: dmlCTE
    ),
    Case(
        "INSERT INTO storage.archive WITH d AS (DELETE FROM dl_cache.person_enrichments RETURNING *) SELECT * FROM d",
        .deny(.write), why: dmlCTE + " (inside the INSERT's source)"
    ),
    Case(
        "UPDATE storage.notes SET body = 'x' WHERE person_id IN (WITH d AS (DELETE FROM dl_cache.person_enrichments RETURNING person_id) SELECT person_id FROM d)",
        .deny(.write), why: dmlCTE
    ),
    Case(
        "WITH m AS (MERGE INTO dl_cache.person_enrichments e USING storage.notes n ON e.person_id = n.person_id WHEN MATCHED THEN DELETE) SELECT 1",
        .deny(.write), why: dmlCTE
    ),
    Case(
        "WITH d AS (DELETE FROM storage.a RETURNING *), e AS (INSERT INTO storage.b SELECT * FROM d RETURNING *) SELECT count(*) FROM e",
        .allow, why: dmlCTE
    ),
    Case(
        "EXPLAIN ANALYZE WITH d AS (DELETE FROM dl_cache.person_enrichments RETURNING *) SELECT * FROM d",
        .deny(.write), why: dmlCTE + "; `EXPLAIN [options] S`: the verdict of `S`"
    ),

    // SELECT INTO where it hides.
    Case("SELECT * FROM (SELECT 1 INTO dl_cache.hidden) s", .deny(.write), why: into),
    Case("WITH c AS (SELECT 1 INTO dl_cache.hidden) SELECT 1", .deny(.write), why: into),
    Case("SELECT 1 WHERE EXISTS (SELECT 1 INTO dl_meta.hidden)", .deny(.write), why: into),
    Case("SELECT 1 AS x INTO hidden", .deny(.write), why: into + "; " + unqualified),
    Case("SELECT 1 INTO TEMP hidden UNION SELECT 2", .deny(.write), why: "Storage writes: `TEMP`/`TEMPORARY` objects are denied (reason write)"),

    // Acting functions hidden in every clause and expression position.
    Case("INSERT INTO storage.notes VALUES (1) RETURNING set_config('search_path', 'public', false)", .deny(.searchPath), why: setConfig),
    Case(
        "INSERT INTO storage.notes VALUES (1) ON CONFLICT (person_id) DO UPDATE SET body = set_config('search_path', 'public', false)",
        .deny(.searchPath), why: setConfig
    ),
    Case("CREATE TABLE storage.t (a text DEFAULT set_config('search_path', 'public', false))", .deny(.searchPath), why: setConfig + " (a default expression)"),
    Case("CREATE INDEX ON storage.notes ((set_config('search_path', body, false)))", .deny(.searchPath), why: setConfig + " (an index expression)"),
    Case("COPY (SELECT set_config('search_path', 'public', false)) TO STDOUT", .deny(.searchPath), why: setConfig),
    Case("DECLARE c CURSOR FOR SELECT set_config('search_path', 'public', false)", .deny(.searchPath), why: setConfig),
    Case("SELECT set_config('search_path', 'public', false)::text", .deny(.searchPath), why: setConfig),
    Case("SELECT 1 ORDER BY set_config('search_path', 'public', false)", .deny(.searchPath), why: setConfig),
    Case("SELECT count(*) FILTER (WHERE set_config('role', 'postgres', false) IS NULL) FROM storage.notes", .deny(.other), why: setConfig + "; `set_config('role', ...)`: reason other"),
    Case("EXPLAIN SELECT lo_import('/etc/passwd')", .deny(.write), why: largeObjects + "; `EXPLAIN [options] S`: the verdict of `S`"),
    Case("DELETE FROM storage.notes RETURNING lo_unlink(person_id)", .deny(.write), why: largeObjects),
    Case("CREATE VIEW storage.blob AS SELECT lo_get(4242)", .deny(.write), why: largeObjects),
    Case("SELECT customer_db.pg_catalog.lo_import('/etc/passwd')", .deny(.write), why: largeObjects),
    Case(
        "MERGE INTO storage.notes n USING dl_resolved.people p ON n.person_id = p.id WHEN NOT MATCHED THEN INSERT (person_id) VALUES (lo_creat(-1))",
        .deny(.write), why: largeObjects
    ),
    Case("WITH x AS (SELECT query_to_xml('SELECT 1', true, true, '') AS doc) SELECT * FROM x", .deny(.other), why: sqlText),
    Case("CREATE TABLE storage.t (doc xml DEFAULT query_to_xml('SELECT 1', true, true, ''))", .deny(.other), why: sqlText),
    Case(#"SELECT pg_catalog."pg_advisory_lock"(1)"#, .deny(.other), mode: .transaction, why: advisory),
    Case("SELECT PG_TRY_ADVISORY_LOCK(1)", .deny(.other), mode: .transaction, why: advisory),

    // Settings spelled every way.
    Case(#"SET search_path TO U&'\0070ublic'"#, .deny(.searchPath), why: "Session control: `search_path` … any other value is denied with reason `search_path`"),
    Case("SET client_encoding = 's_j_i_s'", .deny(.other), why: encoding + " (the server ignores everything but letters and digits: `sjis`)"),
    Case("SET client_encoding = 'Big 5'", .deny(.other), why: encoding + " (`big5`)"),
    Case("SET client_encoding = 'gb-18030'", .deny(.other), why: encoding + " (`gb18030`)"),
    Case(#"SET client_encoding = U&'\0053JIS'"#, .deny(.other), why: encoding + " (U&'\\0053JIS' spells SJIS)"),
    Case("SET client_encoding = 'utf_8'", .allow, why: "Session control: every other encoding is allowed in any spelling and quoting"),
    Case(#"ALTER TABLE storage.notes SET SCHEMA U&"\0064l_cache""#, .deny(.write), why: "Storage writes: `ALTER TABLE … storage.x`, when every relation it names (`SET SCHEMA` target …) is in `storage` too"),
    Case("TABLE dl_cache.person_enrichments FOR UPDATE", .deny(.write), why: "Reads: `TABLE t` … without a locking clause on a non-`storage` relation"),
]
