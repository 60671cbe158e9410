/// The control database's own tables, as numbered migrations.
///
/// Each migration runs once, in a transaction, and is recorded in
/// `schema_migrations`; append new ones, never edit an applied one.
enum ControlSchema {
    static let migrationsTable = """
        CREATE TABLE IF NOT EXISTS public.schema_migrations (
            version integer PRIMARY KEY,
            description text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            description: "workspaces, role credentials and API keys",
            steps: [
                .sql("""
                    CREATE TABLE public.workspaces (
                        id text PRIMARY KEY,
                        name text NOT NULL,
                        upstream text NOT NULL,
                        status text NOT NULL DEFAULT 'absent'
                            CHECK (status IN ('absent', 'provisioning', 'active', 'failed')),
                        status_detail text,
                        created_at timestamptz NOT NULL DEFAULT now(),
                        provisioned_at timestamptz
                    )
                    """),
                .sql("CREATE INDEX workspaces_upstream_idx ON public.workspaces (upstream)"),
                .sql("""
                    CREATE TABLE public.role_credentials (
                        workspace_id text REFERENCES public.workspaces ON DELETE CASCADE,
                        kind text CHECK (kind IN ('customer', 'runtime')),
                        role_name text NOT NULL,
                        password_sealed bytea NOT NULL,
                        scram_verifier text NOT NULL,
                        rotated_at timestamptz NOT NULL DEFAULT now(),
                        PRIMARY KEY (workspace_id, kind)
                    )
                    """),
                .sql("""
                    CREATE TABLE public.api_keys (
                        id text PRIMARY KEY,
                        workspace_id text NOT NULL REFERENCES public.workspaces ON DELETE CASCADE,
                        permission text NOT NULL CHECK (permission IN ('view', 'update', 'admin')),
                        label text NOT NULL DEFAULT '',
                        key_hash bytea NOT NULL,
                        created_at timestamptz NOT NULL DEFAULT now(),
                        revoked_at timestamptz
                    )
                    """),
                .sql("CREATE INDEX api_keys_workspace_idx ON public.api_keys (workspace_id)"),
            ]
        ),
        Migration(
            version: 2,
            description: "workspace data queries and their parameters",
            steps: [
                .sql("""
                    CREATE TABLE public.data_queries (
                        id uuid PRIMARY KEY,
                        workspace_id text NOT NULL REFERENCES public.workspaces ON DELETE CASCADE,
                        name text NOT NULL,
                        description text NOT NULL,
                        sql_template text NOT NULL,
                        timeout_ms integer NOT NULL CHECK (timeout_ms BETWEEN 100 AND 30000),
                        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                        deployed_at timestamptz,
                        deployed_by text,
                        last_invoked_at timestamptz,
                        CONSTRAINT data_queries_workspace_name_key UNIQUE (workspace_id, name)
                    )
                    """),
                .sql("""
                    CREATE TABLE public.data_query_parameters (
                        query_id uuid NOT NULL REFERENCES public.data_queries ON DELETE CASCADE,
                        position integer NOT NULL,
                        name text NOT NULL,
                        type text NOT NULL CHECK (type IN ('string', 'integer', 'number', 'boolean')),
                        description text NOT NULL,
                        default_json text,
                        PRIMARY KEY (query_id, position),
                        UNIQUE (query_id, name)
                    )
                    """),
            ]
        ),
    ]
}
