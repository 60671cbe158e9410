import Foundation
import PostgresNIO
import SluiceModel

/// Workspace API keys (api.md "Authentication"), in the `api_keys` table.
///
/// Keys are stored as SHA-256 hashes and compared in constant time. Nothing
/// is cached: every request reads the row, so a revoked key stops working
/// with the very next request, in every process.
extension ControlStore {
    /// Creates a key for `workspace`; the returned key is the only copy.
    /// Throws `workspaceNotFound` when the workspace does not exist.
    public func createAPIKey(workspace: WorkspaceID, permission: Permission, label: String) async throws -> IssuedAPIKey {
        let id = APIKeyToken.makeID()
        let key = APIKeyToken.makeKey(id: id)
        let hash = ByteBuffer(bytes: APIKeyToken.hash(key))
        let record = try await withControlConnection { connection in
            var record: APIKeyRecord?
            for try await row in try await connection.query(
                """
                INSERT INTO public.api_keys (id, workspace_id, permission, label, key_hash)
                SELECT \(id), w.id, \(permission.rawValue), \(label), \(hash)
                FROM public.workspaces w WHERE w.id = \(workspace.rawValue)
                RETURNING id, workspace_id, permission, label, created_at, revoked_at
                """,
                logger: logger
            ).decode(APIKeyRecord.Columns.self) {
                record = try APIKeyRecord(columns: row)
            }
            return record
        }
        guard let record else { throw ControlPlaneError.workspaceNotFound(workspace) }
        logger.info(
            "created API key",
            metadata: ["workspace": "\(workspace)", "key_id": "\(id)", "permission": "\(permission.rawValue)"]
        )
        return IssuedAPIKey(record: record, key: key)
    }

    /// The live (not revoked) key that `presented` is, or nil.
    ///
    /// The hash comparison is constant-time, and a key of the right form
    /// whose id does not exist is compared against a dummy hash, so the
    /// answer time does not tell an attacker which ids exist.
    public func authenticateAPIKey(_ presented: String) async throws -> APIKeyRecord? {
        guard let id = APIKeyToken.id(of: presented) else { return nil }
        let presentedHash = APIKeyToken.hash(presented)
        let found = try await withControlConnection { connection in
            var found: (APIKeyRecord, [UInt8])?
            for try await row in try await connection.query(
                """
                SELECT id, workspace_id, permission, label, created_at, revoked_at, key_hash
                FROM public.api_keys WHERE id = \(id)
                """,
                logger: logger
            ).decode((String, String, String, String, Date, Date?, ByteBuffer).self) {
                let record = try APIKeyRecord(columns: (row.0, row.1, row.2, row.3, row.4, row.5))
                found = (record, Array(row.6.readableBytesView))
            }
            return found
        }
        let storedHash = found?.1 ?? Self.dummyKeyHash
        let matches = MasterKey.constantTimeEquals(presentedHash, storedHash)
        guard matches, let record = found?.0, record.revokedAt == nil else { return nil }
        return record
    }

    /// The keys of a workspace (revoked ones included), oldest first.
    public func listAPIKeys(workspace: WorkspaceID) async throws -> [APIKeyRecord] {
        try await withControlConnection { connection in
            var records: [APIKeyRecord] = []
            for try await row in try await connection.query(
                """
                SELECT id, workspace_id, permission, label, created_at, revoked_at
                FROM public.api_keys WHERE workspace_id = \(workspace.rawValue)
                ORDER BY created_at, id
                """,
                logger: logger
            ).decode(APIKeyRecord.Columns.self) {
                records.append(try APIKeyRecord(columns: row))
            }
            return records
        }
    }

    /// Revokes a live key of `workspace`; false when there is no such live
    /// key (unknown id, another workspace's key, or already revoked).
    public func revokeAPIKey(workspace: WorkspaceID, id: String) async throws -> Bool {
        let revoked = try await withControlConnection { connection in
            try await connection.isTrue(
                """
                WITH revoked AS (
                    UPDATE public.api_keys SET revoked_at = now()
                    WHERE id = \(id) AND workspace_id = \(workspace.rawValue) AND revoked_at IS NULL
                    RETURNING 1
                )
                SELECT EXISTS (SELECT 1 FROM revoked)
                """,
                logger: logger
            )
        }
        if revoked {
            logger.info("revoked API key", metadata: ["workspace": "\(workspace)", "key_id": "\(id)"])
        }
        return revoked
    }

    /// Compared against when no row matched, so both paths do the same work.
    private static let dummyKeyHash = APIKeyToken.hash("sluice_00000000-0000-4000-8000-000000000000_" + String(repeating: "0", count: 40))
}
