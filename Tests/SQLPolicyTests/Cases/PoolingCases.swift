// policy.md, "Pooling": the rows whose verdict differs between session pooling
// (`pooled: false`) and transaction pooling (`pooled: true`), each in both modes.

private let prepare = "Pooling: `PREPARE p AS S`: session pooling: verdict of `S`; transaction pooling: deny (other)"
private let execute = "Pooling: `EXECUTE p`, `DEALLOCATE`: session pooling: allow; transaction pooling: deny (other), except `DEALLOCATE ALL` and `DEALLOCATE name` of a protocol-level statement, which the proxy handles"
private let deallocateAll = "Pooling: transaction pooling: … except `DEALLOCATE ALL`"
private let listen = "Pooling: `LISTEN`: session pooling: allow; transaction pooling: deny (other)"
private let noOps = "Pooling: `UNLISTEN`, `CLOSE ALL`, `pg_advisory_unlock*`, `pg_advisory_unlock_all()`: allow in both (no-ops there: asyncpg's pool reset sends them)"
private let hold = "Pooling: `DECLARE ... WITH HOLD`: session pooling: allow if `S` is a read; transaction pooling: deny (other)"
private let settings = "Pooling: session `SET name` / `RESET` / `set_config(name, value, false)`: allow in both: the proxy records the client's settings and replays them"
private let discard = "Pooling: `DISCARD ALL`: allow in both: the proxy clears the client's recorded settings and prepared statements"
private let order = "When several rules deny one statement: the reason reported is the first that applies of: syntax, search_path, write, other"
private let explain = "Reads: `EXPLAIN [options] S`: the verdict of `S`"

let poolingCases: [Case] = [
    // PREPARE.
    Case("PREPARE p AS SELECT 1", .allow, kinds: ["PrepareStmt"], why: prepare),
    Case("PREPARE p AS SELECT 1", .deny(.other), mode: .transaction, why: prepare),
    Case("PREPARE q (bigint) AS SELECT * FROM dl_resolved.people WHERE id = $1", .allow, why: prepare),
    Case("PREPARE q (bigint) AS SELECT * FROM dl_resolved.people WHERE id = $1", .deny(.other), mode: .transaction, why: prepare),
    Case("PREPARE ins (int, text) AS INSERT INTO storage.notes VALUES ($1, $2)", .allow, why: prepare),
    Case("PREPARE ins (int, text) AS INSERT INTO storage.notes VALUES ($1, $2)", .deny(.other), mode: .transaction, why: prepare),
    Case("PREPARE bad AS INSERT INTO dl_cache.person_enrichments VALUES (1)", .deny(.write), why: prepare),
    Case("PREPARE bad AS INSERT INTO dl_cache.person_enrichments VALUES (1)", .deny(.write), mode: .transaction, why: prepare + "; " + order),
    Case("PREPARE bad AS SELECT set_config('search_path', 'public', false)", .deny(.searchPath), why: prepare),
    Case("PREPARE bad AS SELECT set_config('search_path', 'public', false)", .deny(.searchPath), mode: .transaction, why: prepare + "; " + order),
    Case("PREPARE bad AS SELECT query_to_xml('SELECT 1', true, true, '')", .deny(.other), why: prepare),
    Case("PREPARE bad AS SELECT 1 INTO dl_cache.hidden", .deny(.write), why: prepare + "; `SELECT ... INTO t`: `t` must be `storage.t`"),
    Case("PREPARE lk AS SELECT * FROM storage.notes FOR UPDATE", .allow, why: prepare),
    Case("PREPARE lk AS SELECT * FROM dl_cache.person_enrichments FOR UPDATE", .deny(.write), why: prepare),

    // EXECUTE and DEALLOCATE.
    Case("EXECUTE p", .allow, kinds: ["ExecuteStmt"], why: execute),
    Case("EXECUTE p", .deny(.other), mode: .transaction, why: execute),
    Case("EXECUTE q(42)", .allow, why: execute),
    Case("EXECUTE q(42)", .deny(.other), mode: .transaction, why: execute),
    Case("EXPLAIN EXECUTE q(42)", .allow, why: explain + "; " + execute),
    Case("EXPLAIN EXECUTE q(42)", .deny(.other), mode: .transaction, why: explain + "; " + execute),
    Case("DEALLOCATE p", .allow, kinds: ["DeallocateStmt"], why: execute),
    Case("DEALLOCATE p", .deny(.other), mode: .transaction, why: execute + " (the statement text alone names no protocol-level statement)"),
    Case("DEALLOCATE PREPARE p", .allow, why: execute),
    Case("DEALLOCATE PREPARE p", .deny(.other), mode: .transaction, why: execute),
    Case("DEALLOCATE ALL", .allow, why: deallocateAll),
    Case("DEALLOCATE ALL", .allow, mode: .transaction, why: deallocateAll),
    Case("DEALLOCATE PREPARE ALL", .allow, mode: .transaction, why: deallocateAll),

    // LISTEN and the asyncpg reset no-ops.
    Case("LISTEN jobs", .allow, kinds: ["ListenStmt"], why: listen),
    Case("LISTEN jobs", .deny(.other), mode: .transaction, why: listen),
    Case(#"LISTEN "Jobs""#, .deny(.other), mode: .transaction, why: listen),
    Case("UNLISTEN jobs", .allow, why: noOps),
    Case("UNLISTEN jobs", .allow, mode: .transaction, why: noOps),
    Case("UNLISTEN *", .allow, why: noOps),
    Case("UNLISTEN *", .allow, mode: .transaction, why: noOps),
    Case("CLOSE ALL", .allow, why: noOps),
    Case("CLOSE ALL", .allow, mode: .transaction, why: noOps),
    Case("CLOSE c", .allow, mode: .transaction, why: "Reads: `FETCH`, `MOVE`, `CLOSE`"),
    Case("SELECT pg_catalog.pg_advisory_unlock_all()", .allow, mode: .transaction, why: noOps),

    // Holdable cursors.
    Case("DECLARE c CURSOR WITH HOLD FOR SELECT * FROM dl_resolved.people", .allow, why: hold),
    Case("DECLARE c CURSOR WITH HOLD FOR SELECT * FROM dl_resolved.people", .deny(.other), mode: .transaction, why: hold),
    Case("DECLARE c NO SCROLL CURSOR WITH HOLD FOR SELECT 1", .allow, why: hold),
    Case("DECLARE c NO SCROLL CURSOR WITH HOLD FOR SELECT 1", .deny(.other), mode: .transaction, why: hold),
    Case("DECLARE c CURSOR WITH HOLD FOR SELECT * FROM dl_cache.person_enrichments FOR UPDATE", .deny(.write), why: hold + " (S is not a read)"),
    Case("DECLARE c CURSOR WITH HOLD FOR SELECT * FROM dl_cache.person_enrichments FOR UPDATE", .deny(.write), mode: .transaction, why: hold + "; " + order),
    Case("DECLARE c CURSOR WITHOUT HOLD FOR SELECT * FROM dl_resolved.people", .allow, mode: .transaction, why: "Reads: `DECLARE c … CURSOR [WITHOUT HOLD] FOR S` when `S` is a read"),
    Case("FETCH 100 FROM c", .allow, mode: .transaction, why: "Reads: `FETCH`, `MOVE`, `CLOSE`"),

    // Session settings are recorded and replayed in transaction pooling.
    Case("SET statement_timeout = '5s'", .allow, mode: .transaction, effects: [.set(name: "statement_timeout", value: "5s")], why: settings),
    Case("SET SESSION application_name = 'etl'", .allow, mode: .transaction, effects: [.set(name: "application_name", value: "etl")], why: settings),
    Case("SET LOCAL statement_timeout = '5s'", .allow, mode: .transaction, effects: [], why: settings + " (SET LOCAL ends with the transaction: nothing to record)"),
    Case("RESET statement_timeout", .allow, mode: .transaction, effects: [.reset(name: "statement_timeout")], why: settings),
    Case("RESET ALL", .allow, mode: .transaction, effects: [.resetAll], why: settings),
    Case(
        "SELECT set_config('application_name', 'etl', false)", .allow, mode: .transaction,
        effects: [.set(name: "application_name", value: "etl")], why: settings
    ),
    Case("SELECT pg_catalog.set_config('statement_timeout', '1s', true)", .allow, mode: .transaction, effects: [], why: settings + " (is_local: nothing to record)"),
    Case("DISCARD ALL", .allow, mode: .transaction, effects: [.discardAll], why: discard),
    Case("DISCARD PLANS", .allow, mode: .transaction, why: "Session control: allow … `DISCARD ALL|PLANS|SEQUENCES`, `DISCARD TEMP`"),
    Case("SET search_path TO ''", .allow, mode: .transaction, why: "Session control: `SET search_path TO ''` … allowed"),
    Case("SET search_path TO public", .deny(.searchPath), mode: .transaction, why: "Session control: any other value is denied with reason `search_path`"),
    Case("SET client_encoding = 'BIG5'", .deny(.other), mode: .transaction, why: "Session control: `client_encoding` set to an encoding that only clients may use: deny (other)"),
    Case("SET ROLE postgres", .deny(.other), mode: .transaction, why: "Session control: deny with reason other: `SET ROLE`"),
    Case("BEGIN ISOLATION LEVEL REPEATABLE READ", .allow, mode: .transaction, why: "Session control: allow `BEGIN`/`START TRANSACTION` (any modes)"),
    Case("NOTIFY jobs, 'x'", .allow, mode: .transaction, why: "Session control: allow … `NOTIFY`"),

    // Everything that is not about pooling is judged the same in transaction pooling.
    Case("SELECT * FROM dl_resolved.people", .allow, mode: .transaction, why: "Reads: allow"),
    Case("INSERT INTO storage.notes VALUES (1)", .allow, mode: .transaction, why: "Storage writes: `INSERT` … `storage.<name>`"),
    Case("DELETE FROM dl_cache.person_enrichments", .deny(.write), mode: .transaction, why: "A write whose target is not `storage.<name>` is denied with reason `write`"),
    Case("CREATE TEMP TABLE scratch (id int)", .deny(.write), mode: .transaction, why: "Storage writes: `TEMP`/`TEMPORARY` objects are denied (reason write)"),
    Case("VACUUM", .deny(.other), mode: .transaction, why: "Everything else: deny with reason `other`"),
]
