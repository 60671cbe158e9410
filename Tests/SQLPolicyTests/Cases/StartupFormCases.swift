// The SET forms drivers and tools send, and the `SET name = value` statements a
// startup parameter is judged as (policy.md, "Startup parameters": "`options` …
// and any other parameter are judged as `SET name = value`").

private let startup = "Startup parameters: `options` (`-c name=value`) and any other parameter are judged as `SET name = value`"
private let startupSearchPath = "Startup parameters: `options=-c search_path=x`, a `search_path` parameter, or pgJDBC's `currentSchema` fail the connection with the `search_path` denial"
private let set = "Session control: allow `SET [SESSION|LOCAL] name ...` for any `name` not denied"
private let pgDump = "Session control: `set_config('search_path', '', ...)` … allowed (pg_dump sends the last one); `pg_dump` uses SQL-level `PREPARE`, so it works through the session URI"
private let encodingOK = "Session control: every other encoding is allowed in any spelling and quoting (`UTF8`, `'utf-8'` as asyncpg sends it, `SQL_ASCII` as psql sends under the C locale, `LATIN1`)"
private let encoding = "Session control: `client_encoding` set to an encoding that only clients may use: deny (other)"
private let role = "Session control: deny with reason other: `SET ROLE`, `SET SESSION AUTHORIZATION`"

let startupFormCases: [Case] = [
    // Startup parameters, as the SET they are judged as.
    Case("SET application_name = 'psql'", .allow, effects: [.set(name: "application_name", value: "psql")], why: startup),
    Case("SET application_name = 'PostgreSQL JDBC Driver'", .allow, why: startup),
    Case("SET client_encoding = 'UTF8'", .allow, mode: .transaction, why: startup + "; " + encodingOK),
    Case("SET client_encoding = 'utf-8'", .allow, why: startup + "; " + encodingOK),
    Case("SET client_encoding = 'SQL_ASCII'", .allow, mode: .transaction, why: startup + "; " + encodingOK),
    Case("SET client_encoding = 'sjis'", .deny(.other), why: startup + "; " + encoding),
    Case("SET DateStyle = 'ISO'", .allow, why: startup),
    Case("SET TimeZone = 'UTC'", .allow, why: startup),
    Case(#"SET "TimeZone" = 'Europe/Berlin'"#, .allow, why: startup),
    Case("SET extra_float_digits = '3'", .allow, why: startup),
    Case("SET geqo = 'off'", .allow, why: startup),
    Case("SET statement_timeout = '0'", .allow, why: startup),
    Case("SET search_path = 'myschema'", .deny(.searchPath), why: startupSearchPath),
    Case("SET search_path = 'storage'", .deny(.searchPath), why: startupSearchPath),
    Case(#"SET search_path = '"$user", public'"#, .deny(.searchPath), why: startupSearchPath),
    Case("SET search_path = ''", .allow, mode: .transaction, why: startup + "; `SET search_path TO ''` is allowed"),
    Case("SET role = 'postgres'", .deny(.other), why: startup + "; " + role),
    Case("SET session_authorization = 'postgres'", .deny(.other), mode: .transaction, why: startup + "; " + role),
    Case("SET standard_conforming_strings = 'off'", .deny(.other), why: startup + "; `standard_conforming_strings` set to anything but `on`: deny (other)"),
    Case("SET default_transaction_read_only = 'on'", .allow, why: startup),

    // What drivers and tools send after connecting.
    Case("SELECT pg_catalog.set_config('search_path', '', false);", .allow, why: pgDump),
    Case("SET DATESTYLE = ISO;", .allow, why: set + " (pg_dump)"),
    Case("SET INTERVALSTYLE = POSTGRES;", .allow, why: set + " (pg_dump)"),
    Case("SET extra_float_digits TO 3;", .allow, why: set + " (pg_dump)"),
    Case("SET synchronize_seqscans TO off;", .allow, why: set + " (pg_dump)"),
    Case("SET statement_timeout = 0;", .allow, why: set + " (pg_dump)"),
    Case("SET lock_timeout = 0;", .allow, why: set + " (pg_dump)"),
    Case("SET idle_in_transaction_session_timeout = 0;", .allow, why: set + " (pg_dump)"),
    Case("SET row_security = off;", .allow, why: set + " (pg_dump)"),
    Case("SET quote_all_identifiers = true;", .allow, why: set + " (pg_dump)"),
    Case("set client_encoding to 'UTF8'", .allow, why: encodingOK + " (libpq's PQsetClientEncoding)"),
    Case(
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", .allow,
        why: "Session control: allow `SET TRANSACTION ...` (pg_dump)"
    ),
    Case(
        "SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'",
        .allow, mode: .transaction, why: "Functions that act: the pg_settings exception (pg_dump 15.8+ sends this for `restrict_nonsystem_relation_kind`)"
    ),
    Case("SET restrict_nonsystem_relation_kind = 'view, foreign-table'", .allow, why: set),
    Case(
        "PREPARE dumpFunc(pg_catalog.oid) AS SELECT proretset, prosrc FROM pg_catalog.pg_proc WHERE oid = $1",
        .allow, why: pgDump + " (session pooling: verdict of S)"
    ),
    Case(
        "LOCK TABLE dl_cache.person_enrichments IN ACCESS SHARE MODE", .allow, mode: .transaction,
        why: "Reads: `LOCK t IN ACCESS SHARE MODE` for any table (pg_dump does this)"
    ),
    Case("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED", .allow, mode: .transaction, why: "Session control: allow `SET SESSION CHARACTERISTICS AS TRANSACTION ...` (pgJDBC)"),
    Case("SET extra_float_digits = 3", .allow, why: set + " (pgJDBC)"),
    Case("SHOW TRANSACTION ISOLATION LEVEL", .allow, mode: .transaction, why: "Reads: `SHOW name` (SQLAlchemy)"),
    Case("select pg_catalog.version()", .allow, why: "Reads: allow (SQLAlchemy)"),
    Case("select current_schema()", .allow, why: "Reads: allow (SQLAlchemy)"),
    Case("", .allow, role: .runtime, mode: .transaction, statements: 0, effects: [], why: "Verdicts: the empty query is allowed (`EmptyQueryResponse`; pgJDBC's `isValid()` sends it)"),
]
