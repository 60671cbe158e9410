import ControlPlane
import SluiceModel

/// Custom tables (`storage.<name>`) of a workspace, made and read through
/// the same path as the agent tool: SQL run by the proxy as the customer
/// role, under the policy. Creating the first table provisions the
/// workspace database if it does not exist yet (workspace-data-queries:
/// "the per-workspace database role is created when the first table is
/// provisioned").
struct TableService: Sendable {
    let sql: WorkspaceSQL
    let provisioner: Provisioner

    /// api.md's column types, and the name `format_type` gives each.
    static let columnTypes: [String: String] = [
        "text": "text", "integer": "integer", "bigint": "bigint", "numeric": "numeric", "boolean": "boolean",
        "timestamptz": "timestamp with time zone", "date": "date", "jsonb": "jsonb", "uuid": "uuid",
    ]
    static let maxColumns = 100
    static let namePattern = "^[a-z][a-z0-9_]{0,62}$"

    /// A table or column name: `^[a-z][a-z0-9_]{0,62}$` (quoted in SQL, so keywords are fine).
    static func isName(_ text: String) -> Bool {
        DataQueryValidator.isName(text, maxLength: 63)
    }

    func create(_ workspace: WorkspaceID, _ request: CreateTableRequest) async throws -> TableBody {
        var problems: [APIErrorDetail] = []
        if !Self.isName(request.name) {
            problems.append(.init(field: "name", message: "must match \(Self.namePattern)"))
        }
        if request.columns.isEmpty || request.columns.count > Self.maxColumns {
            problems.append(.init(field: "columns", message: "must have between 1 and \(Self.maxColumns) columns"))
        }
        var seen: Set<String> = []
        for (index, column) in request.columns.enumerated() {
            if !Self.isName(column.name) {
                problems.append(.init(field: "columns[\(index)].name", message: "must match \(Self.namePattern)"))
            } else if !seen.insert(column.name).inserted {
                problems.append(.init(field: "columns[\(index)].name", message: "duplicates another column's name"))
            }
            if Self.columnTypes[column.type] == nil {
                problems.append(.init(
                    field: "columns[\(index)].type",
                    message: "must be one of " + Self.columnTypes.keys.sorted().joined(separator: ", ")
                ))
            }
            if column.primaryKey == true && column.nullable == true {
                problems.append(.init(field: "columns[\(index)].nullable", message: "a primary key column cannot be nullable"))
            }
        }
        if !problems.isEmpty { throw APIError.validation(problems) }

        do {
            if !(try await provisioner.isProvisioned(workspace: workspace)) {
                _ = try await provisioner.provision(workspace: workspace)
            }
        } catch {
            throw APIError(controlPlane: error)
        }

        var elements = request.columns.map { column in
            "\(SQLText.identifier(column.name)) \(column.type)" + (column.nullable == false || column.primaryKey == true ? " NOT NULL" : "")
        }
        let keys = request.columns.filter { $0.primaryKey == true }.map { SQLText.identifier($0.name) }
        if !keys.isEmpty { elements.append("PRIMARY KEY (\(keys.joined(separator: ", ")))") }
        let statement = "CREATE TABLE storage.\(SQLText.identifier(request.name)) (\(elements.joined(separator: ", ")))"
        do {
            _ = try await sql.run(workspace, sql: statement, surface: .agentTool)
        } catch let error as APIError where error.sqlstate == "42P07" {
            throw APIError(.conflict, code: "table_exists", message: "table storage.\(request.name) already exists")
        }
        return TableBody(name: request.name, columns: request.columns.map { column in
            TableBody.Column(
                name: column.name, type: column.type,
                nullable: !(column.nullable == false || column.primaryKey == true), primaryKey: column.primaryKey == true
            )
        })
    }

    /// The workspace's tables in `storage`, by name; none if it has no database yet.
    func list(_ workspace: WorkspaceID) async throws -> [TableBody] {
        let result: QueryResult
        do {
            result = try await sql.run(workspace, sql: Self.listSQL, maxRows: WorkspaceSQL.maxMaxRows, surface: .agentTool)
        } catch let error as APIError where error.code == "not_provisioned" {
            return []
        }
        var tables: [TableBody] = []
        for row in result.rows {
            guard row.count == 5, case .string(let table) = row[0], case .string(let column) = row[1],
                  case .string(let type) = row[2], case .bool(let nullable) = row[3], case .bool(let key) = row[4]
            else { continue }
            let shown = Self.columnTypes.first { $0.value == type }?.key ?? type
            let entry = TableBody.Column(name: column, type: shown, nullable: nullable, primaryKey: key)
            if tables.last?.name == table {
                tables[tables.count - 1].columns.append(entry)
            } else {
                tables.append(TableBody(name: table, columns: [entry]))
            }
        }
        return tables
    }

    func delete(_ workspace: WorkspaceID, name: String) async throws {
        guard Self.isName(name) else { throw Self.notFound(RequestBodyDecoder.shown(name)) }
        do {
            _ = try await sql.run(workspace, sql: "DROP TABLE storage.\(SQLText.identifier(name))", surface: .agentTool)
        } catch let error as APIError where error.sqlstate == "42P01" || error.code == "not_provisioned" {
            throw Self.notFound(name)
        } catch let error as APIError where error.sqlstate == "2BP01" {
            throw APIError(
                .conflict, code: "table_in_use",
                message: "table storage.\(name) has dependent objects (views, foreign keys); drop them first"
            )
        }
    }

    /// Whether the workspace has at least one custom table (a data query needs one).
    func hasCustomTable(_ workspace: WorkspaceID) async throws -> Bool {
        do {
            let result = try await sql.run(workspace, sql: Self.existsSQL, surface: .agentTool)
            return result.rows.first?.first == .bool(true)
        } catch let error as APIError where error.code == "not_provisioned" {
            return false
        }
    }

    static func notFound(_ name: String) -> APIError {
        APIError(.notFound, code: "table_not_found", message: "table storage.\(name) not found")
    }

    static let listSQL = """
        SELECT c.relname::text, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
               NOT a.attnotnull, coalesce(a.attnum = ANY (i.indkey), false)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'storage'
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
        WHERE c.relkind IN ('r', 'p')
        ORDER BY c.relname, a.attnum
        """

    static let existsSQL = """
        SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'storage' AND c.relkind IN ('r', 'p'))
        """
}
