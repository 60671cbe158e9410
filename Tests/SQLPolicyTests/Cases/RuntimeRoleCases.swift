// policy.md, "Roles": the runtime role (internal app/runtime operations).
// Texts whose verdict differs from the customer role's appear in both roles.

private let runtime = "Roles: runtime: all DML/DDL on the managed schemas and `storage`"
private let still = "Roles: runtime: still no `search_path` change, no role switching, no lexing-changing settings"
private let outside = "Roles: runtime: all DML/DDL on the managed schemas and `storage` (and nothing outside them); a write whose target is not `storage.<name>` is denied with reason `write`"
private let failClosed = "Anything this document does not allow is denied (fail closed)"

/// Writes on the managed schemas: allowed to the runtime role, denied (write) to
/// the customer role; each text appears as both rows.
private let managedSchemaWrites: [String] = [
    "INSERT INTO dl_cache.person_enrichments (person_id, payload) VALUES (1, '{}')",
    "UPDATE dl_override.person_overrides SET name = 'x' WHERE person_id = 1",
    "DELETE FROM dl_meta.tenant_settings WHERE key = 'x'",
    "INSERT INTO dl_meta.schema_migrations VALUES (42)",
    "MERGE INTO dl_cache.company_enrichments c USING storage.notes n ON c.company_id = n.person_id WHEN MATCHED THEN DELETE",
    "TRUNCATE dl_cache.company_enrichments",
    "WITH d AS (DELETE FROM dl_cache.person_enrichments RETURNING *) SELECT count(*) FROM d",
    "SELECT * FROM dl_cache.person_enrichments FOR UPDATE",
    "COPY dl_cache.person_enrichments FROM STDIN",
    "LOCK TABLE dl_cache.person_enrichments IN EXCLUSIVE MODE",
    "CREATE TABLE dl_cache.extra (id int)",
    "CREATE TABLE dl_meta.snapshot AS SELECT * FROM dl_meta.tenant_settings",
    "ALTER TABLE dl_cache.person_enrichments ADD COLUMN source text",
    "CREATE INDEX CONCURRENTLY ON dl_cache.person_enrichments (person_id)",
    "CREATE OR REPLACE VIEW dl_resolved.people AS SELECT e.person_id AS id FROM dl_cache.person_enrichments e",
    "DROP VIEW dl_resolved.companies",
    "COMMENT ON TABLE dl_cache.person_enrichments IS 'enrichments'",
    "ALTER SEQUENCE dl_cache.extra_id_seq OWNED BY dl_cache.extra.id",
]

private let customerWrite = "Roles: customer: this document; a write whose target is not `storage.<name>` is denied with reason `write`"

let runtimeRoleCases: [Case] =
    managedSchemaWrites.flatMap { sql in
        [
            Case(sql, .allow, role: .runtime, why: runtime),
            Case(sql, .deny(.write), role: .customer, mode: .transaction, why: customerWrite),
        ]
    } + [
    // DML and DDL on the managed schemas, in transaction pooling too.
    Case("INSERT INTO dl_cache.person_enrichments (person_id, payload) VALUES (1, '{}')", .allow, role: .runtime, mode: .transaction, why: runtime),
    Case("INSERT INTO storage.notes VALUES (1)", .allow, role: .runtime, why: runtime),
    Case("SELECT * FROM dl_resolved.people", .allow, role: .runtime, why: runtime),

    // Nothing outside the managed schemas and storage.
    Case("INSERT INTO public.jobs VALUES (1)", .deny(.write), role: .runtime, why: outside),
    Case("UPDATE pg_catalog.pg_settings SET setting = 'public' WHERE name = 'search_path'", .deny(.write), role: .runtime, why: outside),
    Case("INSERT INTO person_enrichments VALUES (1)", .deny(.write), role: .runtime, why: outside + "; an unqualified name is denied even if it would resolve"),
    Case(#"INSERT INTO "DL_CACHE".person_enrichments VALUES (1)"#, .deny(.write), role: .runtime, why: outside + " (`\"DL_CACHE\"` is another schema)"),
    Case("CREATE TEMP TABLE scratch (id int)", .deny(.write), role: .runtime, why: outside + "; `TEMP` objects are writes outside the schemas"),

    // Still no search_path change, no role switching, no lexing-changing settings.
    Case("SET search_path = dl_cache", .deny(.searchPath), role: .runtime, why: still),
    Case("SET search_path TO dl_cache, public", .deny(.searchPath), role: .runtime, mode: .transaction, why: still),
    Case("SELECT set_config('search_path', 'dl_cache', false)", .deny(.searchPath), role: .runtime, why: still),
    Case("SET search_path TO ''", .allow, role: .runtime, why: still + " (it may stay what it is)"),
    Case("RESET search_path", .allow, role: .runtime, why: still + " (it may stay what it is)"),
    Case("SET ROLE postgres", .deny(.other), role: .runtime, why: still),
    Case("RESET ROLE", .deny(.other), role: .runtime, why: still),
    Case("SET SESSION AUTHORIZATION postgres", .deny(.other), role: .runtime, why: still),
    Case("SELECT set_config('role', 'postgres', false)", .deny(.other), role: .runtime, why: still),
    Case("SET client_encoding = 'SJIS'", .deny(.other), role: .runtime, why: still),
    Case("SET standard_conforming_strings = off", .deny(.other), role: .runtime, why: still),
    Case("SET client_encoding = 'UTF8'", .allow, role: .runtime, why: still + " (UTF8 does not change lexing)"),
    Case("SET statement_timeout = '30s'", .allow, role: .runtime, mode: .transaction, effects: [.set(name: "statement_timeout", value: "30s")], why: runtime + "; Pooling: session SET is recorded and replayed"),

    // What is neither DML nor DDL on the schemas stays denied.
    Case("SELECT lo_import('/etc/passwd')", .deny(.write), role: .runtime, why: "Functions that act: large objects are not part of a workspace: every `lo_*` function … is denied (reason write)"),
    Case("SELECT query_to_xml('SELECT 1', true, true, '')", .deny(.other), role: .runtime, why: "Functions that act: functions that run SQL given as text are denied (reason other)"),
    Case("COPY dl_cache.person_enrichments FROM '/etc/passwd'", .deny(.other), role: .runtime, why: "Everything else: `COPY ... TO|FROM 'file'` (reason other); " + failClosed),
    Case("ALTER SYSTEM SET search_path = 'dl_cache'", .deny(.other), role: .runtime, why: "Everything else: `ALTER SYSTEM`"),
    Case("SELECT pg_advisory_lock(1)", .deny(.other), role: .runtime, mode: .transaction, why: "Functions that act: in transaction pooling, session-level advisory locks are denied (reason other)"),
    Case("PREPARE TRANSACTION 'tx1'", .deny(.other), role: .runtime, why: "Session control: deny with reason other: … `PREPARE TRANSACTION`"),
]
