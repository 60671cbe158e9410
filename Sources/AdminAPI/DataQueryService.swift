import ControlPlane
import Foundation
import SQLPolicy
import SluiceModel

/// Workspace data queries (workspace-data-queries): deploy-time validation,
/// storage in the control store, and invocation through the proxy with
/// `:name` placeholders sent as typed bind parameters.
struct DataQueryService: Sendable {
    let store: ControlStore
    let sql: WorkspaceSQL
    let tables: TableService

    /// Rows an invocation returns at most (then `truncated: true`).
    static let maxRows = 1_000

    func create(_ workspace: WorkspaceID, _ request: CreateDataQueryRequest, by principal: Principal) async throws -> DataQueryRecord {
        let draft = DataQueryValidator.Draft(
            name: request.name, description: request.description, sqlTemplate: request.sqlTemplate,
            parameters: request.parameters ?? [],
            timeoutMilliseconds: request.timeoutMilliseconds ?? DataQueryValidator.defaultTimeout
        )
        let parameters = try DataQueryValidator.validate(draft)
        try await requireCustomTable(workspace)
        let record = DataQueryRecord(
            id: UUID(), workspace: workspace, name: draft.name, description: draft.description,
            sqlTemplate: draft.sqlTemplate, parameters: parameters, timeoutMilliseconds: draft.timeoutMilliseconds,
            createdAt: Date(), deployedAt: nil, deployedBy: principal.keyID, lastInvokedAt: nil
        )
        return try await mapped { try await store.createDataQuery(record) }
    }

    func update(_ workspace: WorkspaceID, id: UUID, _ patch: PatchDataQueryRequest, by principal: Principal) async throws -> DataQueryRecord {
        let existing = try await get(workspace, id: id)
        let draft = DataQueryValidator.Draft(
            name: patch.name ?? existing.name,
            description: patch.description ?? existing.description,
            sqlTemplate: patch.sqlTemplate ?? existing.sqlTemplate,
            parameters: patch.parameters ?? existing.parameters.map { parameter in
                DataQueryParameterRequest(
                    name: parameter.name, type: parameter.type, description: parameter.description,
                    defaultValue: parameter.defaultJSON.flatMap(JSONInput.init(jsonText:))
                )
            },
            timeoutMilliseconds: patch.timeoutMilliseconds ?? existing.timeoutMilliseconds
        )
        // The seed lists "no custom tables provisioned" for create only: an
        // update is judged on its SQL and parameters.
        let parameters = try DataQueryValidator.validate(draft)
        var record = existing
        record.name = draft.name
        record.description = draft.description
        record.sqlTemplate = draft.sqlTemplate
        record.parameters = parameters
        record.timeoutMilliseconds = draft.timeoutMilliseconds
        record.deployedBy = principal.keyID
        return try await mapped { try await store.updateDataQuery(record) }
    }

    func list(_ workspace: WorkspaceID) async throws -> [DataQueryRecord] {
        try await mapped { try await store.dataQueries(workspace: workspace) }
    }

    func get(_ workspace: WorkspaceID, id: UUID) async throws -> DataQueryRecord {
        guard let record = try await mapped({ try await store.dataQuery(workspace: workspace, id: id) }) else {
            throw Self.notFound(id.uuidString.lowercased())
        }
        return record
    }

    func delete(_ workspace: WorkspaceID, id: UUID) async throws {
        guard try await mapped({ try await store.deleteDataQuery(workspace: workspace, id: id) }) else {
            throw Self.notFound(id.uuidString.lowercased())
        }
    }

    /// Checks the arguments against the declared types (422 before anything
    /// runs), applies defaults, judges the SQL again, and runs it with the
    /// query's timeout as `statement_timeout`.
    func invoke(_ workspace: WorkspaceID, id: UUID, input: [String: JSONInput]) async throws -> (DataQueryRecord, QueryResult) {
        let record = try await get(workspace, id: id)
        // Validated at deploy; compiled again here, and judged once more below.
        guard case .success(let compiled) = DataQueryTemplate.compile(record.sqlTemplate) else {
            throw APIError.sql(.serviceUnavailable, code: "execution_failed", QueryErrorDetail(
                sqlstate: "42601", message: "the stored template of data query \(record.name) does not scan"
            ))
        }
        let declared = Dictionary(record.parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var problems: [APIErrorDetail] = []
        for name in input.keys.sorted() where declared[name] == nil {
            problems.append(.init(field: "input.\(RequestBodyDecoder.shown(name))", message: "is not a parameter of this query"))
        }
        var values: [String: QueryParameter] = [:]
        for parameter in record.parameters {
            let given = input[parameter.name].flatMap { $0 == .null ? nil : $0 }
            guard let value = given ?? parameter.defaultJSON.flatMap(JSONInput.init(jsonText:)) else {
                problems.append(.init(field: "input.\(parameter.name)", message: "is required"))
                continue
            }
            guard let argument = DataQueryValidator.argument(value, type: parameter.type) else {
                problems.append(.init(
                    field: "input.\(parameter.name)",
                    message: "must be \(DataQueryValidator.article(parameter.type)), not \(value.kindName)"
                ))
                continue
            }
            values[parameter.name] = argument
        }
        if !problems.isEmpty { throw APIError.validation(problems) }
        _ = try WorkspaceSQL.judge(compiled.sql)
        let parameters = compiled.names.map { values[$0] ?? .null }
        let result = try await sql.run(
            workspace, sql: compiled.sql, parameters: parameters, maxRows: Self.maxRows,
            timeout: .milliseconds(record.timeoutMilliseconds), surface: .dataQuery
        )
        try? await store.markDataQueryInvoked(workspace: workspace, id: id)
        return (record, result)
    }

    private func requireCustomTable(_ workspace: WorkspaceID) async throws {
        guard try await tables.hasCustomTable(workspace) else {
            throw APIError.validation(
                field: "workspace",
                "no custom table is provisioned in this workspace: create one with POST /v1/\(workspace.rawValue)/tables first"
            )
        }
    }

    static func notFound(_ id: String) -> APIError {
        APIError(.notFound, code: "data_query_not_found", message: "data query \(id) not found")
    }

    private func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch ControlPlaneError.dataQueryNameTaken(let name) {
            throw APIError(
                .conflict, code: "data_query_exists",
                message: "a data query named \(name) already exists in this workspace; update it with PATCH on its id"
            )
        } catch ControlPlaneError.dataQueryNotFound(let id) {
            throw Self.notFound(id)
        } catch {
            throw APIError(controlPlane: error)
        }
    }
}

extension Principal {
    /// The API key's id (`deployed_by`); nil for the operator token.
    var keyID: String? {
        if case .apiKey(let record) = self { return record.id }
        return nil
    }
}
