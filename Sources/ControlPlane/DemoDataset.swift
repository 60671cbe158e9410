/// Sample rows for the `demo` workspace, so a fresh `scripts/dev.sh` has
/// something to query: 240 people, 60 companies, names in several scripts,
/// and overrides of every kind (active, pending, rejected, tombstoned) to see
/// `dl_resolved` at work.
///
/// Every value is computed from `generate_series`, never from the clock or
/// randomness, and every insert is `ON CONFLICT DO NOTHING`: provisioning
/// again inserts nothing and changes nothing, and rows someone edited stay
/// edited. Each statement reports how many rows it inserted.
enum DemoDataset {
    /// The one workspace that gets these rows (workspace-schema.md).
    static let workspaceName = "demo"

    static let statements: [String] = [companies, people, companyOverrides, personOverrides]

    static let companies = """
        WITH inserted AS (
            INSERT INTO dl_cache.company_enrichments
                (domain, company_name, industry, employee_count, founded_year, revenue_usd, payload, fetched_at, updated_at)
            SELECT 'company' || lpad(n::text, 3, '0') || '.example',
                (ARRAY['Acme', 'Globex', 'Initech', 'Umbrella', 'Nordström', 'Société Démo', '東京テック',
                       'Øresund Data', 'Hooli', 'Zürich Analytik'])[1 + n % 10] || ' ' || n,
                (ARRAY['Software', 'Manufacturing', 'Finance', 'Healthcare', 'Retail'])[1 + n % 5],
                10 + (n * 37) % 5000,
                (1950 + n % 70)::smallint,
                round((n * 123456.78)::numeric, 2),
                jsonb_build_object('source', 'demo', 'rank', n),
                timestamptz '2024-01-01 00:00:00+00' + n * interval '1 hour',
                timestamptz '2024-01-01 00:00:00+00' + n * interval '1 hour'
            FROM generate_series(1, 60) AS n
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT count(*)::bigint FROM inserted
        """

    static let people = """
        WITH inserted AS (
            INSERT INTO dl_cache.person_enrichments
                (identity_key, email, full_name, title, company_domain, linkedin_url, location, payload, tags,
                 fetched_at, updated_at)
            SELECT 'person-' || lpad(n::text, 4, '0'),
                'person' || n || '@company' || lpad((1 + n % 60)::text, 3, '0') || '.example',
                CASE n
                    WHEN 1 THEN 'José Müller'
                    WHEN 2 THEN 'Zoë Ødegård'
                    WHEN 3 THEN '李小龙'
                    ELSE (ARRAY['Ana', 'Björn', 'Chloé', 'Dmitri', 'Émile', 'Fatima', 'Günter', 'Hana',
                                'Ingrid', 'Jürgen', 'Kenji', 'Łukasz'])[1 + n % 12]
                        || ' '
                        || (ARRAY['Smith', 'García', 'Müller', 'Nguyen', 'Kowalski', 'Søndergaard', 'Öztürk',
                                  'Rossi', 'Tanaka', 'O''Brien', 'Dubois'])[1 + (n * 7) % 11]
                END,
                (ARRAY['Engineer', 'Analyst', 'Manager', 'Director', 'Designer', 'Founder'])[1 + n % 6],
                'company' || lpad((1 + n % 60)::text, 3, '0') || '.example',
                'https://www.linkedin.com/in/demo-person-' || n,
                (ARRAY['Berlin', 'São Paulo', 'Zürich', 'Tokyo', 'New York', 'Kraków', 'Reykjavík'])[1 + n % 7],
                jsonb_build_object('source', 'demo', 'score', n % 100),
                ARRAY['demo', (ARRAY['lead', 'customer', 'partner'])[1 + n % 3]],
                timestamptz '2024-01-01 00:00:00+00' + n * interval '1 minute',
                timestamptz '2024-01-01 00:00:00+00' + n * interval '1 minute'
            FROM generate_series(1, 240) AS n
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT count(*)::bigint FROM inserted
        """

    /// company001-003 renamed (active), 004-005 pending (no effect),
    /// 006 tombstoned (absent from the view).
    static let companyOverrides = """
        WITH inserted AS (
            INSERT INTO dl_override.company_overrides (domain, status, payload_patch, tombstoned, updated_at)
            SELECT 'company' || lpad(n::text, 3, '0') || '.example',
                (CASE WHEN n IN (4, 5) THEN 'pending' ELSE 'active' END)::dl_meta.override_status,
                CASE
                    WHEN n <= 5 THEN jsonb_build_object('company_name', 'Renamed Company ' || n, 'employee_count', 1000 + n)
                    ELSE '{}'::jsonb
                END,
                n = 6,
                timestamptz '2024-06-01 00:00:00+00' + n * interval '1 hour'
            FROM generate_series(1, 6) AS n
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT count(*)::bigint FROM inserted
        """

    /// person-0011..0020 renamed (active; 0011 to a non-ASCII name),
    /// 0021..0025 pending, 0026..0030 tombstoned, 0031..0032 rejected,
    /// 0033 a pending tombstone (still visible).
    static let personOverrides = """
        WITH inserted AS (
            INSERT INTO dl_override.person_overrides
                (identity_key, status, identity_payload_patch, raw_payload_patch, tombstoned, updated_at)
            SELECT 'person-' || lpad(n::text, 4, '0'),
                (CASE
                    WHEN n BETWEEN 21 AND 25 OR n = 33 THEN 'pending'
                    WHEN n IN (31, 32) THEN 'rejected'
                    ELSE 'active'
                END)::dl_meta.override_status,
                CASE
                    WHEN n = 11 THEN jsonb_build_object('full_name', 'Renée Ståhl', 'title', 'Chief Demo Officer')
                    WHEN n <= 25 OR n IN (31, 32) THEN jsonb_build_object('full_name', 'Override Person ' || n, 'title', 'Chief Demo Officer')
                    ELSE '{}'::jsonb
                END,
                CASE WHEN n <= 20 THEN jsonb_build_object('corrected', true) ELSE '{}'::jsonb END,
                n BETWEEN 26 AND 30 OR n = 33,
                timestamptz '2024-06-01 00:00:00+00' + n * interval '1 minute'
            FROM generate_series(11, 33) AS n
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT count(*)::bigint FROM inserted
        """
}
