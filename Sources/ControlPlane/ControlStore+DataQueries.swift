import Foundation
import PostgresNIO
import SluiceModel

/// Data queries (workspace-data-queries) in `data_queries` and
/// `data_query_parameters`. Names are unique per workspace (the unique
/// constraint decides, so concurrent creates cannot both win).
extension ControlStore {
    /// Stores a new query with its parameters; `dataQueryNameTaken` if the
    /// name exists in the workspace, `workspaceNotFound` if the workspace does not.
    public func createDataQuery(_ record: DataQueryRecord) async throws -> DataQueryRecord {
        try await withControlConnection { connection in
            try await Self.uniqueName(record.name) {
                try await connection.inTransaction(logger: logger) { transaction in
                    let inserted = try await transaction.isTrue(
                        """
                        WITH inserted AS (
                            INSERT INTO public.data_queries
                                (id, workspace_id, name, description, sql_template, timeout_ms, deployed_at, deployed_by)
                            SELECT \(record.id), w.id, \(record.name), \(record.description), \(record.sqlTemplate),
                                   \(record.timeoutMilliseconds), clock_timestamp(), \(record.deployedBy)
                            FROM public.workspaces w WHERE w.id = \(record.workspace.rawValue)
                            RETURNING 1)
                        SELECT EXISTS (SELECT 1 FROM inserted)
                        """,
                        logger: logger
                    )
                    guard inserted else { throw ControlPlaneError.workspaceNotFound(record.workspace) }
                    try await insertParameters(record.parameters, of: record.id, on: transaction)
                }
            }
        }
        guard let stored = try await dataQuery(workspace: record.workspace, id: record.id) else {
            throw ControlPlaneError.dataQueryNotFound(record.id.uuidString.lowercased())
        }
        return stored
    }

    /// Replaces every field of the stored query `record.id` (the API has
    /// merged a PATCH into it) and marks it deployed now by `record.deployedBy`.
    public func updateDataQuery(_ record: DataQueryRecord) async throws -> DataQueryRecord {
        try await withControlConnection { connection in
            try await Self.uniqueName(record.name) {
                try await connection.inTransaction(logger: logger) { transaction in
                    let updated = try await transaction.isTrue(
                        """
                        WITH updated AS (
                            UPDATE public.data_queries SET
                                name = \(record.name), description = \(record.description),
                                sql_template = \(record.sqlTemplate), timeout_ms = \(record.timeoutMilliseconds),
                                deployed_at = clock_timestamp(), deployed_by = \(record.deployedBy)
                            WHERE id = \(record.id) AND workspace_id = \(record.workspace.rawValue)
                            RETURNING 1)
                        SELECT EXISTS (SELECT 1 FROM updated)
                        """,
                        logger: logger
                    )
                    guard updated else { throw ControlPlaneError.dataQueryNotFound(record.id.uuidString.lowercased()) }
                    try await transaction.run(
                        "DELETE FROM public.data_query_parameters WHERE query_id = \(record.id)", logger: logger
                    )
                    try await insertParameters(record.parameters, of: record.id, on: transaction)
                }
            }
        }
        guard let stored = try await dataQuery(workspace: record.workspace, id: record.id) else {
            throw ControlPlaneError.dataQueryNotFound(record.id.uuidString.lowercased())
        }
        return stored
    }

    /// The workspace's queries, newest first.
    public func dataQueries(workspace: WorkspaceID) async throws -> [DataQueryRecord] {
        try await loadDataQueries(workspace: workspace, id: nil)
    }

    public func dataQuery(workspace: WorkspaceID, id: UUID) async throws -> DataQueryRecord? {
        try await loadDataQueries(workspace: workspace, id: id).first
    }

    /// Deletes the query (its parameters go with it); false if there was none.
    public func deleteDataQuery(workspace: WorkspaceID, id: UUID) async throws -> Bool {
        try await withControlConnection { connection in
            try await connection.isTrue(
                """
                WITH deleted AS (
                    DELETE FROM public.data_queries WHERE id = \(id) AND workspace_id = \(workspace.rawValue)
                    RETURNING 1)
                SELECT EXISTS (SELECT 1 FROM deleted)
                """,
                logger: logger
            )
        }
    }

    /// Records a successful invocation.
    public func markDataQueryInvoked(workspace: WorkspaceID, id: UUID) async throws {
        try await withControlConnection { connection in
            try await connection.run(
                """
                UPDATE public.data_queries SET last_invoked_at = clock_timestamp()
                WHERE id = \(id) AND workspace_id = \(workspace.rawValue)
                """,
                logger: logger
            )
        }
    }

    // MARK: Helpers

    private func insertParameters(_ parameters: [DataQueryParameterRecord], of id: UUID, on connection: PostgresConnection) async throws {
        for (position, parameter) in parameters.enumerated() {
            try await connection.run(
                """
                INSERT INTO public.data_query_parameters (query_id, position, name, type, description, default_json)
                VALUES (\(id), \(position), \(parameter.name), \(parameter.type), \(parameter.description), \(parameter.defaultJSON))
                """,
                logger: logger
            )
        }
    }

    private typealias QueryColumns = (UUID, String, String, String, Int, Date, Date?, String?, Date?)

    private func loadDataQueries(workspace: WorkspaceID, id: UUID?) async throws -> [DataQueryRecord] {
        try await withControlConnection { connection in
            var records: [DataQueryRecord] = []
            for try await row in try await connection.query(
                """
                SELECT id, name, description, sql_template, timeout_ms, created_at, deployed_at, deployed_by, last_invoked_at
                FROM public.data_queries
                WHERE workspace_id = \(workspace.rawValue) AND (\(id)::uuid IS NULL OR id = \(id))
                ORDER BY created_at DESC, id DESC
                """,
                logger: logger
            ).decode(QueryColumns.self) {
                records.append(DataQueryRecord(
                    id: row.0, workspace: workspace, name: row.1, description: row.2, sqlTemplate: row.3,
                    parameters: [], timeoutMilliseconds: row.4, createdAt: row.5,
                    deployedAt: row.6, deployedBy: row.7, lastInvokedAt: row.8
                ))
            }
            guard !records.isEmpty else { return [] }
            var parameters: [UUID: [DataQueryParameterRecord]] = [:]
            let ids = records.map(\.id)
            for try await row in try await connection.query(
                """
                SELECT query_id, name, type, description, default_json FROM public.data_query_parameters
                WHERE query_id = ANY(\(ids)) ORDER BY query_id, position
                """,
                logger: logger
            ).decode((UUID, String, String, String, String?).self) {
                parameters[row.0, default: []].append(
                    DataQueryParameterRecord(name: row.1, type: row.2, description: row.3, defaultJSON: row.4)
                )
            }
            for index in records.indices { records[index].parameters = parameters[records[index].id] ?? [] }
            return records
        }
    }

    /// Turns the unique violation on (workspace, name) into `dataQueryNameTaken`.
    private static func uniqueName<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw ControlPlaneError.dataQueryNameTaken(name)
        }
    }
}
