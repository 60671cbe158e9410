/// The managed part of every workspace database: workspace-schema.md as
/// numbered migrations.
///
/// Every step is idempotent (`IF NOT EXISTS`, `CREATE OR REPLACE`, or a
/// catalog guard), and provisioning runs all of them each time: a database
/// that is complete is left byte-for-byte as it was, and one that lost an
/// object (a dropped view, a dropped database) gets it back. The rows in
/// `dl_meta.schema_migrations` say which versions a database has seen.
/// Append new migrations; never edit an applied one, and keep new steps
/// idempotent too.
///
/// The steps run as the workspace's owner role (`SET ROLE`), so the owner
/// owns every object they create.
enum WorkspaceSchema {
    /// The managed schemas the customer reads (policy.md, Workspace schemas).
    static let managedSchemas = ["dl_cache", "dl_override", "dl_resolved", "dl_meta"]

    /// The version `isProvisioned` looks for.
    static var latestVersion: Int {
        migrations.map(\.version).max() ?? 0
    }

    /// What the `dl_meta.email_address` domain accepts. The people view uses
    /// the same pattern before casting an override's email, because a value
    /// the domain rejects would make every read of the view fail.
    static let emailPattern = #"^[^@\s]+@[^@\s]+$"#

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            description: "workspace contract: dl_cache, dl_override, dl_resolved, dl_meta, storage",
            steps: [
                .sql("CREATE SCHEMA IF NOT EXISTS dl_meta"),
                .sql("CREATE SCHEMA IF NOT EXISTS dl_cache"),
                .sql("CREATE SCHEMA IF NOT EXISTS dl_override"),
                .sql("CREATE SCHEMA IF NOT EXISTS dl_resolved"),
                .sql("CREATE SCHEMA IF NOT EXISTS storage"),
                .createType(
                    schema: "dl_meta",
                    name: "override_status",
                    sql: "CREATE TYPE dl_meta.override_status AS ENUM ('active', 'pending', 'rejected')"
                ),
                .createType(
                    schema: "dl_meta",
                    name: "email_address",
                    sql: "CREATE DOMAIN dl_meta.email_address AS text CHECK (VALUE ~ '\(emailPattern)')"
                ),
                .sql("""
                    CREATE TABLE IF NOT EXISTS dl_meta.schema_migrations (
                        version integer PRIMARY KEY,
                        description text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """),
                .sql("""
                    CREATE TABLE IF NOT EXISTS dl_meta.tenant_settings (
                        key text PRIMARY KEY,
                        value jsonb NOT NULL,
                        updated_at timestamptz NOT NULL DEFAULT now()
                    )
                    """),
                .sql("""
                    CREATE TABLE IF NOT EXISTS dl_cache.person_enrichments (
                        identity_key text PRIMARY KEY,
                        email dl_meta.email_address,
                        full_name text NOT NULL,
                        title text,
                        company_domain text,
                        linkedin_url text,
                        location text,
                        payload jsonb NOT NULL DEFAULT '{}',
                        tags text[] NOT NULL DEFAULT '{}',
                        fetched_at timestamptz NOT NULL,
                        updated_at timestamptz NOT NULL
                    )
                    """),
                .sql("""
                    CREATE TABLE IF NOT EXISTS dl_cache.company_enrichments (
                        domain text PRIMARY KEY,
                        company_name text NOT NULL,
                        industry text,
                        employee_count integer,
                        founded_year smallint,
                        revenue_usd numeric(18,2),
                        payload jsonb NOT NULL DEFAULT '{}',
                        fetched_at timestamptz NOT NULL,
                        updated_at timestamptz NOT NULL
                    )
                    """),
                .sql("""
                    CREATE TABLE IF NOT EXISTS dl_override.person_overrides (
                        identity_key text PRIMARY KEY,
                        status dl_meta.override_status NOT NULL DEFAULT 'active',
                        identity_payload_patch jsonb NOT NULL DEFAULT '{}',
                        raw_payload_patch jsonb NOT NULL DEFAULT '{}',
                        tombstoned boolean NOT NULL DEFAULT false,
                        updated_at timestamptz NOT NULL
                    )
                    """),
                .sql("""
                    CREATE TABLE IF NOT EXISTS dl_override.company_overrides (
                        domain text PRIMARY KEY,
                        status dl_meta.override_status NOT NULL DEFAULT 'active',
                        payload_patch jsonb NOT NULL DEFAULT '{}',
                        tombstoned boolean NOT NULL DEFAULT false,
                        updated_at timestamptz NOT NULL
                    )
                    """),
                .sql(resolvedPeople),
                .sql(resolvedCompanies),
            ]
        ),
    ]

    /// People with their active override applied; tombstoned people absent.
    ///
    /// Only an override whose status is `active` counts, for the patch and
    /// for the tombstone alike. A text field takes the patch's value when the
    /// patch has that key with a non-null value (`->>` gives NULL for both a
    /// missing key and JSON null, so a patch cannot blank a field). A patch
    /// value that does not fit the column's type (an email the domain would
    /// reject, `tags` that is not an array) is ignored rather than cast, so
    /// one bad override cannot make every read of the view fail. The raw
    /// payload patch is merged over the payload, its keys winning.
    static let resolvedPeople = """
        CREATE OR REPLACE VIEW dl_resolved.people AS
        SELECT p.identity_key,
            COALESCE(o.identity_payload_patch ->> 'full_name', p.full_name) AS display_name,
            CASE
                WHEN (o.identity_payload_patch ->> 'email') ~ '\(emailPattern)'
                    THEN (o.identity_payload_patch ->> 'email')::dl_meta.email_address
                ELSE p.email
            END AS email,
            COALESCE(o.identity_payload_patch ->> 'title', p.title) AS title,
            COALESCE(o.identity_payload_patch ->> 'company_domain', p.company_domain) AS company_domain,
            COALESCE(o.identity_payload_patch ->> 'linkedin_url', p.linkedin_url) AS linkedin_url,
            COALESCE(o.identity_payload_patch ->> 'location', p.location) AS location,
            CASE
                WHEN jsonb_typeof(o.identity_payload_patch -> 'tags') = 'array'
                    THEN ARRAY(SELECT jsonb_array_elements_text(o.identity_payload_patch -> 'tags'))
                ELSE p.tags
            END AS tags,
            CASE
                WHEN jsonb_typeof(o.raw_payload_patch) = 'object' THEN p.payload || o.raw_payload_patch
                ELSE p.payload
            END AS payload,
            GREATEST(p.updated_at, o.updated_at) AS updated_at
        FROM dl_cache.person_enrichments p
        LEFT JOIN dl_override.person_overrides o
            ON o.identity_key = p.identity_key AND o.status = 'active'
        WHERE o.tombstoned IS NOT TRUE
        """

    /// Companies with their active override applied; tombstoned ones absent.
    ///
    /// `payload_patch` is a patch of the company record: its keys named after
    /// columns override those columns (numbers only when they fit the
    /// column's type and range), and the whole patch is merged over
    /// `payload`. Nested CASEs, not AND, guard the casts: PostgreSQL does not
    /// promise to evaluate AND's operands in order, but it does CASE's.
    static let resolvedCompanies = """
        CREATE OR REPLACE VIEW dl_resolved.companies AS
        SELECT c.domain,
            COALESCE(o.payload_patch ->> 'company_name', c.company_name) AS company_name,
            COALESCE(o.payload_patch ->> 'industry', c.industry) AS industry,
            CASE
                WHEN (o.payload_patch ->> 'employee_count') ~ '^-?[0-9]{1,9}$'
                    THEN (o.payload_patch ->> 'employee_count')::integer
                ELSE c.employee_count
            END AS employee_count,
            CASE
                WHEN (o.payload_patch ->> 'founded_year') ~ '^-?[0-9]{1,4}$'
                    THEN (o.payload_patch ->> 'founded_year')::smallint
                ELSE c.founded_year
            END AS founded_year,
            CASE
                WHEN jsonb_typeof(o.payload_patch -> 'revenue_usd') = 'number' THEN
                    CASE
                        WHEN abs((o.payload_patch -> 'revenue_usd')::numeric) < 9999999999999999
                            THEN round((o.payload_patch -> 'revenue_usd')::numeric, 2)::numeric(18,2)
                        ELSE c.revenue_usd
                    END
                ELSE c.revenue_usd
            END AS revenue_usd,
            CASE
                WHEN jsonb_typeof(o.payload_patch) = 'object' THEN c.payload || o.payload_patch
                ELSE c.payload
            END AS payload,
            GREATEST(c.updated_at, o.updated_at) AS updated_at
        FROM dl_cache.company_enrichments c
        LEFT JOIN dl_override.company_overrides o
            ON o.domain = c.domain AND o.status = 'active'
        WHERE o.tombstoned IS NOT TRUE
        """
}
