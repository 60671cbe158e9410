// policy.md, "Answers": `query_customer_db` and data queries (the `.tool` surface).

private let single = "Answers: `query_customer_db` and data queries also deny a request with more than one statement (`query_customer_db accepts a single SQL statement.`, SQLSTATE `42601`)"
private let control = "Answers: … and every session or transaction control statement (reason other), since each call runs on its own"
private let same = "Roles: customer: every revealed customer URI, the agent tool, data queries: this document"

let toolSurfaceCases: [Case] = [
    // The same reads and writes as on the wire.
    Case("SELECT * FROM dl_resolved.people LIMIT 100", .allow, surface: .tool, statements: 1, why: same),
    Case("SELECT * FROM dl_resolved.people LIMIT 100;", .allow, surface: .tool, statements: 1, why: same + " (a trailing semicolon is still one statement)"),
    Case(";; SELECT 1 ;;", .allow, surface: .tool, statements: 1, why: same + " (empty statements are not statements)"),
    Case("SELECT 1 -- ; SELECT 2", .allow, surface: .tool, statements: 1, why: same),
    Case("SELECT 'a;b', $$;$$", .allow, surface: .tool, statements: 1, why: same),
    Case("INSERT INTO storage.notes VALUES (1)", .allow, surface: .tool, statements: 1, why: same),
    Case("CREATE TABLE storage.results AS SELECT * FROM dl_resolved.companies", .allow, surface: .tool, why: same),
    Case("SHOW search_path", .allow, surface: .tool, why: "Reads: `SHOW name`, `SHOW ALL` (a read, not a control statement)"),
    Case("EXPLAIN ANALYZE SELECT * FROM dl_resolved.people", .allow, surface: .tool, why: same),
    Case("DELETE FROM dl_cache.person_enrichments", .deny(.write), surface: .tool, why: same),
    Case("SELECT lo_import('/etc/passwd')", .deny(.write), surface: .tool, why: same),
    Case("SELECT query_to_xml('SELECT 1', true, true, '')", .deny(.other), surface: .tool, why: same),
    Case("VACUUM storage.notes", .deny(.other), surface: .tool, why: same),
    Case("SELECT * FROM dl_resolved.people", .allow, mode: .transaction, surface: .tool, why: same),

    // More than one statement.
    Case("SELECT 1; SELECT 2", .multipleStatements, surface: .tool, why: single),
    Case("SELECT 1;\nSELECT 2;", .multipleStatements, surface: .tool, why: single),
    Case("SELECT 1; DELETE FROM dl_cache.person_enrichments", .multipleStatements, surface: .tool, why: single + "; When several rules deny one statement: syntax first"),
    Case("BEGIN; SELECT 1; COMMIT", .multipleStatements, surface: .tool, why: single),
    Case("INSERT INTO storage.a VALUES (1); INSERT INTO storage.b VALUES (2)", .multipleStatements, surface: .tool, why: single),
    Case("SELECT 1; SELECT 2", .multipleStatements, mode: .transaction, surface: .tool, why: single),
    Case(#"SELECT 'it\'; DROP TABLE storage.notes; --'"#, .multipleStatements, surface: .tool, why: single + " (with standard_conforming_strings on the parser sees two statements)"),

    // Session and transaction control.
    Case("BEGIN", .deny(.other), surface: .tool, why: control),
    Case("START TRANSACTION READ ONLY", .deny(.other), surface: .tool, why: control),
    Case("COMMIT", .deny(.other), surface: .tool, why: control),
    Case("ROLLBACK", .deny(.other), surface: .tool, why: control),
    Case("SAVEPOINT a", .deny(.other), surface: .tool, why: control),
    Case("SET TRANSACTION READ ONLY", .deny(.other), surface: .tool, why: control),
    Case("SET statement_timeout = '1s'", .deny(.other), surface: .tool, why: control),
    Case("SET LOCAL statement_timeout = '1s'", .deny(.other), surface: .tool, why: control),
    Case("RESET ALL", .deny(.other), surface: .tool, why: control),
    Case("DISCARD ALL", .deny(.other), surface: .tool, why: control),
    Case("SET search_path TO ''", .deny(.other), surface: .tool, why: control + " (allowed on the wire, but it is a SET)"),
    Case("SET search_path TO public", .deny(.searchPath), surface: .tool, why: control + "; When several rules deny one statement: search_path before other"),
    Case(
        "SELECT set_config('application_name', 'x', false)", .deny(.other), surface: .tool,
        why: control + "; `set_config` is judged exactly as `SET name = value`"
    ),
    Case(
        "SELECT set_config('search_path', 'public', false)", .deny(.searchPath), surface: .tool,
        why: "Functions that act: `set_config` … judged exactly as `SET name = value`; search_path before other"
    ),
    Case("SET client_encoding = 'SJIS'", .deny(.other), surface: .tool, why: control),
]
