// policy.md, "Functions that act: judged like the statement they amount to".

private let setConfig = "Functions that act: `set_config(name, value, is_local)` (any schema prefix or quoting of the function name) is judged exactly as `SET name = value`"
private let setConfigName = "Functions that act: if `name` is not a string literal, deny (reason `search_path`)"
private let pgSettings = "Functions that act: one exception that the parse tree proves safe: a `SELECT ... FROM [pg_catalog.]pg_settings WHERE name = '<literal>'` passing the column `name` is judged as `SET <literal>`"
private let searchPath = "Session control: `search_path` may only stay what it is …; any other value is denied with reason `search_path`"
private let searchPathStays = "Session control: `set_config('search_path', '', ...)` is allowed (pg_dump sends the last one)"
private let roleDeny = "Session control: deny with reason other: … `set_config('role'|'session_authorization', ...)`"
private let lexing = "Session control: deny with reason other: `standard_conforming_strings` set to anything but `on`, and `client_encoding` set to an encoding that only clients may use"
private let sqlText = "Functions that act: functions that run SQL given as text are denied (reason other): `query_to_xml`, `query_to_xmlschema`, `query_to_xml_and_xmlschema`, `ts_stat`, `ts_rewrite` (the form taking a query text), `dblink*`"
private let largeObjects = "Functions that act: large objects are not part of a workspace: every `lo_*` function, `lowrite` and `loread` is denied (reason write)"
private let advisory = "Functions that act: in transaction pooling, session-level advisory locks are denied (reason other): `pg_advisory_lock*`, `pg_try_advisory_lock*` without `xact`. The `*_xact_*` forms are allowed everywhere"
private let unlock = "Pooling: `pg_advisory_unlock*`, `pg_advisory_unlock_all()`: allow in both (asyncpg's pool reset sends them)"
private let parser = "The PostgreSQL parser is the only authority on what a statement *is*"

let functionCases: [Case] = [
    // set_config written every way.
    Case(
        "SELECT set_config('application_name', 'report', false)", .allow,
        effects: [.set(name: "application_name", value: "report")], why: setConfig
    ),
    Case("SELECT set_config('statement_timeout', '5s', true)", .allow, effects: [], why: setConfig + " (is_local: no session effect)"),
    Case("SELECT pg_catalog.set_config('search_path', '', false)", .allow, why: searchPathStays),
    Case("SELECT set_config('search_path', '', true)", .allow, why: searchPathStays),
    Case("SELECT set_config('search_path', 'public', false)", .deny(.searchPath), why: searchPath),
    Case("SELECT pg_catalog.set_config('search_path', 'public', true)", .deny(.searchPath), why: searchPath),
    Case("SELECT set_config('search_path', 'storage, public', false)", .deny(.searchPath), why: searchPath),
    Case("SELECT set_config('search_path', ' ', false)", .deny(.searchPath), why: searchPath),
    Case(#"SELECT "set_config"('search_path', 'public', false)"#, .deny(.searchPath), why: setConfig),
    Case(#"SELECT "pg_catalog"."set_config"('search_path', 'public', false)"#, .deny(.searchPath), why: setConfig),
    Case("SELECT PG_CATALOG.SET_CONFIG('search_path', 'public', false)", .deny(.searchPath), why: setConfig),
    Case(#"SELECT U&"set\005Fconfig"('search_path', 'public', false)"#, .deny(.searchPath), why: setConfig),
    Case("SELECT storage.set_config('search_path', 'public', false)", .deny(.searchPath), why: setConfig + " (any schema prefix)"),
    Case("SELECT customer_db.pg_catalog.set_config('search_path', 'public', false)", .deny(.searchPath), why: setConfig + " (any schema prefix)"),
    Case("SELECT set_config('SEARCH_PATH', 'public', false)", .deny(.searchPath), why: setConfig + " (setting names are case-insensitive: this is `search_path`)"),
    Case("SELECT set_config('Search_Path', '', false)", .allow, why: searchPathStays + " (setting names are case-insensitive)"),
    Case(#"SELECT set_config(E'search\137path', 'public', false)"#, .deny(.searchPath), why: setConfig + " (an escape-string literal spelling `search_path`)"),
    Case(#"SELECT set_config(U&'search\005Fpath', 'public', false)"#, .deny(.searchPath), why: setConfig + " (a Unicode-escape literal spelling `search_path`)"),
    Case("SELECT set_config($$search_path$$, $$public$$, false)", .deny(.searchPath), why: setConfig + " (dollar-quoted literals)"),
    Case(
        "SELECT set_config(setting_name => 'search_path', new_value => 'public', is_local => false)",
        .deny(.searchPath), why: setConfig + " (named arguments)"
    ),
    Case("SELECT set_config('search' || '_path', 'public', false)", .deny(.searchPath), why: setConfigName),
    Case("SELECT set_config(current_setting('my.name'), 'public', false)", .deny(.searchPath), why: setConfigName),
    Case("SELECT set_config($1, $2, false)", .deny(.searchPath), why: setConfigName),
    Case("SELECT set_config('application_name'::text, 'x', false)", .deny(.searchPath), why: setConfigName + " (a cast is not a string literal)"),
    Case("SELECT set_config(lower('SEARCH_PATH'), 'public', false)", .deny(.searchPath), why: setConfigName),
    Case("SELECT set_config(x, 'public', false) FROM (VALUES ('search_path')) v(x)", .deny(.searchPath), why: setConfigName),
    Case("SELECT set_config('role', 'postgres', false)", .deny(.other), why: roleDeny),
    Case("SELECT set_config('ROLE', 'postgres', true)", .deny(.other), why: roleDeny),
    Case("SELECT pg_catalog.set_config('session_authorization', 'postgres', false)", .deny(.other), why: roleDeny),
    Case("SELECT set_config('standard_conforming_strings', 'off', false)", .deny(.other), why: lexing),
    Case("SELECT set_config('standard_conforming_strings', 'on', false)", .allow, why: lexing + " (`on` is allowed)"),
    Case("SELECT set_config('client_encoding', 'SJIS', false)", .deny(.other), why: lexing),
    Case("SELECT set_config('client_encoding', 'WIN932', true)", .deny(.other), why: lexing),
    Case("SELECT set_config('client_encoding', 'UTF8', false)", .allow, why: lexing + " (every other encoding is allowed)"),

    // set_config where it hides.
    Case("SELECT * FROM dl_resolved.people WHERE set_config('search_path', 'public', false) IS NOT NULL", .deny(.searchPath), why: setConfig),
    Case("WITH c AS (SELECT set_config('search_path', 'public', false)) SELECT * FROM c", .deny(.searchPath), why: setConfig),
    Case("SELECT (SELECT set_config('search_path', 'public', false))", .deny(.searchPath), why: setConfig),
    Case("VALUES (set_config('search_path', 'public', false))", .deny(.searchPath), why: setConfig),
    Case("SELECT * FROM set_config('search_path', 'public', false)", .deny(.searchPath), why: setConfig + " (a function in FROM)"),
    Case("SELECT CASE WHEN true THEN set_config('search_path', 'public', false) END", .deny(.searchPath), why: setConfig),
    Case("SELECT coalesce(NULL, set_config('role', 'postgres', false))", .deny(.other), why: roleDeny),
    Case("INSERT INTO storage.notes (body) VALUES (set_config('search_path', 'public', false))", .deny(.searchPath), why: setConfig),
    Case("UPDATE storage.notes SET body = set_config('standard_conforming_strings', 'off', false)", .deny(.other), why: lexing),
    Case("EXPLAIN SELECT set_config('search_path', 'public', false)", .deny(.searchPath), why: setConfig + "; `EXPLAIN [options] S`: the verdict of `S`"),
    Case("CREATE VIEW storage.v AS SELECT set_config('search_path', 'public', false)", .deny(.searchPath), why: setConfig + "; When several rules deny one statement: search_path first"),
    Case("SELECT set_config('search_path', 'public', false) FROM storage.notes FOR UPDATE", .deny(.searchPath), why: setConfig),

    // The pg_settings exception.
    Case(
        "SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'",
        .allow, effects: [.set(name: "restrict_nonsystem_relation_kind", value: "view, foreign-table")], why: pgSettings
    ),
    Case(
        "SELECT set_config(name, 'view, foreign-table', false) FROM pg_catalog.pg_settings WHERE name = 'restrict_nonsystem_relation_kind'",
        .allow, why: pgSettings
    ),
    Case("SELECT set_config(name, 'public', false) FROM pg_settings WHERE name = 'search_path'", .deny(.searchPath), why: pgSettings + "; " + searchPath),
    Case("SELECT set_config(name, '', false) FROM pg_settings WHERE name = 'search_path'", .allow, why: pgSettings + "; " + searchPathStays),
    Case("SELECT set_config(name, 'postgres', false) FROM pg_settings WHERE name = 'role'", .deny(.other), why: pgSettings + "; " + roleDeny),
    Case("SELECT set_config(name, 'off', false) FROM pg_settings WHERE name = 'standard_conforming_strings'", .deny(.other), why: pgSettings + "; " + lexing),
    Case("SELECT set_config(name, 'public', false) FROM pg_settings", .deny(.searchPath), why: setConfigName + " (no WHERE name = literal)"),
    Case("SELECT set_config(name, 'public', false) FROM pg_settings WHERE name LIKE 'search%'", .deny(.searchPath), why: setConfigName),
    Case("SELECT set_config(name, 'public', false) FROM pg_settings WHERE name = 'application_name' OR true", .deny(.searchPath), why: setConfigName),
    Case("SELECT set_config(setting, 'public', false) FROM pg_settings WHERE name = 'application_name'", .deny(.searchPath), why: setConfigName + " (passes `setting`, not `name`)"),
    Case("SELECT set_config(name, 'public', false) FROM storage.pg_settings WHERE name = 'application_name'", .deny(.searchPath), why: setConfigName + " (not [pg_catalog.]pg_settings)"),
    Case(
        "SELECT set_config(name, 'public', false) FROM pg_settings, storage.notes WHERE name = 'application_name'",
        .deny(.searchPath), why: setConfigName + " (`name` could come from another relation)"
    ),
    Case(
        "SELECT set_config(name, 'public', false) FROM (SELECT 'search_path' AS name) pg_settings WHERE name = 'application_name'",
        .deny(.searchPath), why: setConfigName + " (a subquery named pg_settings is not the relation)"
    ),
    Case("UPDATE pg_settings SET setting = 'public' WHERE name = 'search_path'", .deny(.write), why: "A write whose target is not `storage.<name>` is denied with reason `write` (pg_settings' own rule would run set_config)"),
    Case("UPDATE pg_catalog.pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'", .deny(.write), why: "A write whose target is not `storage.<name>` is denied with reason `write`"),

    // Functions that run SQL from text.
    Case("SELECT query_to_xml('SELECT 1', true, true, '')", .deny(.other), why: sqlText),
    Case("SELECT pg_catalog.query_to_xml('DELETE FROM dl_cache.person_enrichments RETURNING 1', true, true, '')", .deny(.other), why: sqlText),
    Case(#"SELECT "query_to_xml"('SELECT 1', true, true, '')"#, .deny(.other), why: sqlText),
    Case("SELECT QUERY_TO_XML('SELECT 1', true, true, '')", .deny(.other), why: sqlText),
    Case("SELECT query_to_xmlschema('SELECT 1', true, true, '')", .deny(.other), why: sqlText),
    Case("SELECT query_to_xml_and_xmlschema('SELECT 1', true, true, '')", .deny(.other), why: sqlText),
    Case("SELECT xpath('/row', query_to_xml('SELECT 1', true, true, ''))", .deny(.other), why: sqlText + " (nested in another call)"),
    Case("SELECT * FROM dl_resolved.people WHERE query_to_xml('SELECT 1', true, true, '') IS NOT NULL", .deny(.other), why: sqlText),
    Case("SELECT ts_stat('SELECT to_tsvector(body) FROM storage.notes')", .deny(.other), why: sqlText),
    Case("SELECT * FROM ts_stat('SELECT to_tsvector(body) FROM storage.notes')", .deny(.other), why: sqlText),
    Case("SELECT ts_rewrite('a & b'::tsquery, 'SELECT t, s FROM storage.aliases')", .deny(.other), why: sqlText),
    Case("SELECT ts_rewrite('a & b'::tsquery, 'a'::tsquery, 'c'::tsquery)", .allow, why: sqlText + " (only the form taking a query text)"),
    Case("SELECT dblink('dbname=customer_db', 'DELETE FROM dl_cache.person_enrichments')", .deny(.other), why: sqlText),
    Case("SELECT * FROM dblink('dbname=x', 'SELECT 1') AS t(a int)", .deny(.other), why: sqlText),
    Case("SELECT dblink_exec('dbname=x', 'DROP TABLE dl_cache.person_enrichments')", .deny(.other), why: sqlText),
    Case("SELECT dblink_connect('c', 'dbname=x')", .deny(.other), why: sqlText),
    Case("SELECT public.dblink_send_query('c', 'SELECT 1')", .deny(.other), why: sqlText),
    Case("INSERT INTO storage.notes (body) SELECT query_to_xml('SELECT 1', true, true, '')::text", .deny(.other), why: sqlText),
    Case("SELECT query_to_xml FROM storage.notes", .allow, why: parser + " (a column named query_to_xml is not a call)"),
    Case("SELECT 'query_to_xml(''SELECT 1'', true, true, '''')'", .allow, why: parser + " (a string literal)"),

    // Large objects.
    Case("SELECT lo_import('/etc/passwd')", .deny(.write), why: largeObjects),
    Case("SELECT pg_catalog.lo_import('/etc/passwd', 4242)", .deny(.write), why: largeObjects),
    Case(#"SELECT "lo_import"('/etc/passwd')"#, .deny(.write), why: largeObjects),
    Case("SELECT LO_EXPORT(4242, '/tmp/out')", .deny(.write), why: largeObjects),
    Case("SELECT lo_creat(-1)", .deny(.write), why: largeObjects),
    Case("SELECT lo_create(0)", .deny(.write), why: largeObjects),
    Case("SELECT lo_unlink(4242)", .deny(.write), why: largeObjects),
    Case("SELECT lo_open(4242, 262144)", .deny(.write), why: largeObjects),
    Case("SELECT lo_close(0)", .deny(.write), why: largeObjects),
    Case("SELECT lowrite(0, '\\x41')", .deny(.write), why: largeObjects),
    Case("SELECT loread(0, 100)", .deny(.write), why: largeObjects),
    Case("SELECT lo_get(4242)", .deny(.write), why: largeObjects + " (every lo_* function, reads included)"),
    Case("SELECT lo_put(4242, 0, '\\x41')", .deny(.write), why: largeObjects),
    Case("SELECT lo_from_bytea(0, 'x')", .deny(.write), why: largeObjects),
    Case("SELECT lo_truncate(0, 0)", .deny(.write), why: largeObjects),
    Case("SELECT lo_lseek64(0, 0, 0), lo_tell(0)", .deny(.write), why: largeObjects),
    Case("SELECT * FROM storage.notes WHERE lo_unlink(person_id) = 1", .deny(.write), why: largeObjects),
    Case("INSERT INTO storage.notes (person_id) VALUES (lo_import('/etc/passwd'))", .deny(.write), why: largeObjects),
    Case("CREATE TABLE storage.blobs (id oid DEFAULT lo_creat(-1))", .deny(.write), why: largeObjects),

    // Advisory locks.
    Case("SELECT pg_advisory_lock(1)", .allow, why: advisory + " (session pooling)"),
    Case("SELECT pg_advisory_lock(1)", .deny(.other), mode: .transaction, why: advisory),
    Case("SELECT pg_advisory_lock(1, 2)", .deny(.other), mode: .transaction, why: advisory),
    Case("SELECT pg_advisory_lock_shared(1)", .allow, why: advisory + " (session pooling)"),
    Case("SELECT pg_advisory_lock_shared(1)", .deny(.other), mode: .transaction, why: advisory),
    Case("SELECT pg_try_advisory_lock(1)", .allow, why: advisory + " (session pooling)"),
    Case("SELECT pg_try_advisory_lock(1)", .deny(.other), mode: .transaction, why: advisory),
    Case("SELECT pg_try_advisory_lock_shared(1, 2)", .deny(.other), mode: .transaction, why: advisory),
    Case("SELECT pg_catalog.pg_advisory_lock(42)", .deny(.other), mode: .transaction, why: advisory),
    Case("SELECT * FROM dl_resolved.people WHERE pg_try_advisory_lock(id)", .deny(.other), mode: .transaction, why: advisory),
    Case("WITH l AS (SELECT pg_advisory_lock(1)) SELECT * FROM l", .deny(.other), mode: .transaction, why: advisory),
    Case("SELECT pg_advisory_xact_lock(1)", .allow, why: advisory),
    Case("SELECT pg_advisory_xact_lock(1)", .allow, mode: .transaction, why: advisory),
    Case("SELECT pg_advisory_xact_lock_shared(1, 2)", .allow, mode: .transaction, why: advisory),
    Case("SELECT pg_try_advisory_xact_lock(1)", .allow, mode: .transaction, why: advisory),
    Case("SELECT pg_try_advisory_xact_lock_shared(1)", .allow, mode: .transaction, why: advisory),
    Case("SELECT pg_advisory_unlock(1)", .allow, mode: .transaction, why: unlock),
    Case("SELECT pg_advisory_unlock_shared(1)", .allow, mode: .transaction, why: unlock),
    Case("SELECT pg_advisory_unlock_all()", .allow, why: unlock),
    Case("SELECT pg_advisory_unlock_all()", .allow, mode: .transaction, why: unlock),

    // Notifications through a function.
    Case("SELECT pg_notify('jobs', 'ready')", .allow, why: "Session and transaction control: allow … `NOTIFY`, `pg_notify(...)`"),
]
