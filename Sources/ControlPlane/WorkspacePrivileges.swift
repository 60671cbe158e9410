import SluiceModel

/// The grants of a workspace database (workspace-schema.md, Roles and
/// grants; policy.md, Defence in depth): the server's own wall behind the
/// proxy's statement policy.
///
/// All statements are idempotent and re-applied on every provisioning run,
/// so a grant someone revoked by hand comes back.
struct WorkspacePrivileges {
    var owner: String
    var customer: String
    var runtime: String

    init(workspace: WorkspaceID) {
        owner = SQLText.identifier(workspace.ownerRoleName)
        customer = SQLText.identifier(workspace.roleName(.customer))
        runtime = SQLText.identifier(workspace.roleName(.runtime))
    }

    private var managed: String { WorkspaceSchema.managedSchemas.joined(separator: ", ") }

    /// Run as the superuser before the schema is built: no role but the
    /// owner (and through it the runtime role) may write functions or `DO`
    /// blocks in this database, so code cannot be smuggled in as a function.
    var languageStatements: [String] {
        [
            "REVOKE USAGE ON LANGUAGE plpgsql, sql FROM PUBLIC",
            "GRANT USAGE ON LANGUAGE plpgsql, sql TO \(owner)",
        ]
    }

    /// Run as the owner, which owns every managed object and so can grant on
    /// it.
    var ownerStatements: [String] {
        [
            // The customer reads the managed schemas and nothing more.
            "GRANT USAGE ON SCHEMA \(managed) TO \(customer)",
            "GRANT SELECT ON ALL TABLES IN SCHEMA \(managed) TO \(customer)",
            "GRANT USAGE ON TYPE dl_meta.override_status TO \(customer)",
            "GRANT USAGE ON DOMAIN dl_meta.email_address TO \(customer)",
            // storage is the customer's own space.
            "GRANT USAGE, CREATE ON SCHEMA storage TO \(customer)",
            // The runtime role is a member of the owner already; the explicit
            // grants keep working if that membership is ever narrowed.
            "GRANT ALL ON SCHEMA \(managed), storage TO \(runtime)",
            "GRANT ALL ON ALL TABLES IN SCHEMA \(managed) TO \(runtime)",
            "GRANT ALL ON ALL SEQUENCES IN SCHEMA \(managed) TO \(runtime)",
            // Tables a later migration adds are readable without a new grant.
            "ALTER DEFAULT PRIVILEGES FOR ROLE \(owner) IN SCHEMA \(managed) GRANT SELECT ON TABLES TO \(customer)",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \(owner) IN SCHEMA \(managed) GRANT ALL ON TABLES TO \(runtime)",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \(owner) IN SCHEMA \(managed) GRANT ALL ON SEQUENCES TO \(runtime)",
        ]
    }

    /// Run as the superuser: default privileges `FOR ROLE x` need membership
    /// in `x`, which the owner does not have for the login roles.
    var superuserStatements: [String] {
        [
            // What the customer creates in storage, the runtime can work with.
            "ALTER DEFAULT PRIVILEGES FOR ROLE \(customer) IN SCHEMA storage GRANT ALL ON TABLES TO \(runtime)",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \(customer) IN SCHEMA storage GRANT ALL ON SEQUENCES TO \(runtime)",
            "GRANT ALL ON ALL TABLES IN SCHEMA storage TO \(runtime)",
            "GRANT ALL ON ALL SEQUENCES IN SCHEMA storage TO \(runtime)",
            // What the runtime creates is visible to the customer: managed
            // tables for reading, storage tables for full use.
            "ALTER DEFAULT PRIVILEGES FOR ROLE \(runtime) IN SCHEMA \(managed) GRANT SELECT ON TABLES TO \(customer)",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \(runtime) IN SCHEMA storage GRANT ALL ON TABLES TO \(customer)",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \(runtime) IN SCHEMA storage GRANT ALL ON SEQUENCES TO \(customer)",
        ]
    }
}
