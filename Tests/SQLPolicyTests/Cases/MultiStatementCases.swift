// policy.md, "Verdicts": a simple `Query` message that holds one denied statement
// is denied as a whole; the verdict is the first denied statement's denial.

private let whole = "Verdicts: a simple `Query` message that holds one denied statement is denied as a whole and nothing of it reaches the server"
private let empty = "Verdicts: the empty query is allowed (`EmptyQueryResponse`; pgJDBC's `isValid()` sends it)"
private let first = "Verdicts: denied as a whole; the verdict is the first denied statement's denial"
private let asyncpg = "Pooling: `UNLISTEN`, `CLOSE ALL`, `pg_advisory_unlock*`, `pg_advisory_unlock_all()`: allow in both (no-ops there: asyncpg's pool reset sends them); `RESET ALL` allowed"

let multiStatementCases: [Case] = [
    // The empty query, whitespace and comments only.
    Case("", .allow, statements: 0, effects: [], why: empty),
    Case("   ", .allow, statements: 0, why: empty),
    Case(" \n\t\r\n ", .allow, statements: 0, why: empty),
    Case("-- just a comment", .allow, statements: 0, why: empty + " (a comment holds no statement)"),
    Case("/* just a comment */", .allow, statements: 0, why: empty),
    Case("/* a /* nested */ comment */ -- and another\n", .allow, statements: 0, why: empty),
    Case(";", .allow, statements: 0, why: empty + " (an empty statement)"),
    Case(" ; ;; ", .allow, statements: 0, why: empty),
    Case("", .allow, mode: .transaction, statements: 0, why: empty),
    Case("-- isValid", .allow, role: .runtime, statements: 0, why: empty),

    // Several allowed statements.
    Case("SELECT 1; SELECT 2", .allow, statements: 2, kinds: ["SelectStmt", "SelectStmt"], why: "Verdicts: every statement gets one verdict"),
    Case("SELECT 1;", .allow, statements: 1, why: "Verdicts: every statement gets one verdict (a trailing semicolon adds none)"),
    Case("SELECT 1; ; SELECT 2;", .allow, statements: 2, why: "Verdicts: every statement gets one verdict"),
    Case(
        "BEGIN; INSERT INTO storage.notes VALUES (1); UPDATE storage.notes SET body = 'x'; COMMIT", .allow, statements: 4,
        kinds: ["TransactionStmt", "InsertStmt", "UpdateStmt", "TransactionStmt"], why: "Verdicts: every statement gets one verdict"
    ),
    Case("TABLE dl_resolved.people; TABLE dl_resolved.companies; SHOW ALL", .allow, statements: 3, why: "Reads: allow"),
    Case("SELECT 'a;b'; SELECT \"c;d\" FROM storage.notes", .allow, statements: 2, why: "The parser decides where statements end"),
    Case("SELECT $$;$$; SELECT 2", .allow, statements: 2, why: "The parser decides where statements end"),
    Case(
        "SET statement_timeout = '1s'; RESET statement_timeout", .allow, statements: 2,
        effects: [.set(name: "statement_timeout", value: "1s"), .reset(name: "statement_timeout")],
        why: "Pooling: session `SET name` / `RESET`: the proxy records the client's settings"
    ),
    Case(
        "SET LOCAL work_mem = '64MB'; SET application_name = 'a'; DISCARD ALL", .allow, statements: 3,
        effects: [.set(name: "application_name", value: "a"), .discardAll],
        why: "Pooling: session SET recorded, `SET LOCAL` not, `DISCARD ALL` clears"
    ),
    Case(
        "SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;", .allow, statements: 4,
        effects: [.resetAll], why: asyncpg + " (asyncpg's reset query)"
    ),
    Case(
        "SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;", .allow, mode: .transaction, statements: 4,
        effects: [.resetAll], why: asyncpg + " (asyncpg's reset query)"
    ),

    // Mixes: denied as a whole, with the first denial.
    Case("SELECT 1; DELETE FROM dl_cache.person_enrichments", .deny(.write), statements: 2, why: whole),
    Case("DELETE FROM dl_cache.person_enrichments; SELECT 1", .deny(.write), statements: 2, why: whole),
    Case("INSERT INTO storage.notes VALUES (1); INSERT INTO dl_cache.person_enrichments VALUES (1)", .deny(.write), statements: 2, why: whole),
    Case("BEGIN; DELETE FROM dl_cache.person_enrichments; COMMIT", .deny(.write), statements: 3, why: whole),
    Case("SELECT 1; SET search_path = public; DELETE FROM dl_cache.person_enrichments", .deny(.searchPath), statements: 3, why: first),
    Case("DELETE FROM dl_cache.person_enrichments; SET search_path = public", .deny(.write), statements: 2, why: first),
    Case("VACUUM; DELETE FROM dl_cache.person_enrichments", .deny(.other), statements: 2, why: first),
    Case("SELECT 1; VACUUM; SET search_path = public", .deny(.other), statements: 3, why: first),
    Case("SET client_encoding = 'SJIS'; SELECT 'x'", .deny(.other), statements: 2, why: whole),
    Case(
        #"SELECT 1; SET standard_conforming_strings = off; SELECT 'a\'; DELETE FROM dl_cache.person_enrichments; --'"#,
        .deny(.other), statements: 4, why: first + " (the parser keeps reading with standard_conforming_strings on)"
    ),
    Case("SELECT 1; SELECT lo_unlink(4242)", .deny(.write), statements: 2, why: whole),
    Case("INSERT INTO storage.notes VALUES (1); SELECT query_to_xml('SELECT 1', true, true, '')", .deny(.other), statements: 2, why: whole),
    Case("SELECT 1; LISTEN jobs", .allow, statements: 2, why: "Pooling: `LISTEN`: session pooling: allow"),
    Case("SELECT 1; LISTEN jobs", .deny(.other), mode: .transaction, statements: 2, why: whole + "; Pooling: `LISTEN`: transaction pooling: deny (other)"),
    Case("BEGIN; SELECT pg_advisory_lock(1); COMMIT", .deny(.other), mode: .transaction, statements: 3, why: whole),
    Case("COMMIT; SET ROLE postgres", .deny(.other), statements: 2, why: whole),
    Case("SET search_path TO ''; SELECT * FROM people", .allow, statements: 2, why: "Session control: `SET search_path TO ''` allowed; Reads: allow"),
    Case("INSERT INTO dl_cache.person_enrichments VALUES (1); INSERT INTO storage.notes VALUES (1)", .allow, role: .runtime, statements: 2, why: "Roles: runtime: all DML/DDL on the managed schemas and `storage`"),
    Case("INSERT INTO dl_cache.person_enrichments VALUES (1); SET ROLE postgres", .deny(.other), role: .runtime, statements: 2, why: whole + "; runtime: no role switching"),
]
