/// One statement an agent tool runs in a workspace database (the HTTP
/// `query_customer_db` and data queries), handed by the API to the proxy,
/// which runs it on its own pooled server connections under its policy.
///
/// The API may not import the proxy (the layers meet only in the composition
/// root), so this value and `WorkspaceQueryExecutor` are the whole contract.
public struct WorkspaceQuery: Sendable, Equatable {
    /// Whose role runs it: `customer.<workspace>` for every agent tool.
    public var user: ClientUser
    /// One statement; parameters are `$1`, `$2`, ... (never spliced text).
    public var sql: String
    /// Bind values for `$1...`, in order, each with the type it is sent as.
    public var parameters: [QueryParameter]
    /// Rows kept; more makes `truncated` true (the server stops producing).
    public var maxRows: Int
    /// The server's `statement_timeout` for this statement.
    public var timeout: Duration
    /// Bytes of row data kept before the answer is cut with `truncated`.
    public var responseByteLimit: Int

    public init(
        user: ClientUser, sql: String, parameters: [QueryParameter] = [],
        maxRows: Int, timeout: Duration, responseByteLimit: Int
    ) {
        self.user = user
        self.sql = sql
        self.parameters = parameters
        self.maxRows = maxRows
        self.timeout = timeout
        self.responseByteLimit = responseByteLimit
    }
}

/// A bind value with its declared type (data query parameter types).
public enum QueryParameter: Sendable, Equatable {
    /// Sent as `text`.
    case string(String)
    /// Sent as `int8`.
    case integer(Int64)
    /// Sent as `numeric`, in its exact decimal text (`1.5`, `-2e3`).
    case number(String)
    /// Sent as `bool`.
    case boolean(Bool)
    /// SQL NULL, typed as `text`.
    case null
}

/// A column of a result: its name and the server's type name (`int4`, `text`, `_int4`...).
public struct QueryColumn: Sendable, Equatable {
    public var name: String
    public var type: String
    public var typeOID: UInt32

    public init(name: String, type: String, typeOID: UInt32) {
        self.name = name
        self.type = type
        self.typeOID = typeOID
    }
}

/// A result value as JSON will carry it, chosen from the column's type OID.
public indirect enum QueryValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A JSON number, as exact decimal text (int2/4/8, oid, float4/8, numeric).
    /// Always valid JSON number text: NaN and infinities come as `.string`.
    case number(String)
    case string(String)
    /// A json/jsonb value: its JSON text (the server validated it), embedded as it is.
    case json(String)
    case array([QueryValue])
}

/// What a statement answered.
public struct QueryResult: Sendable, Equatable {
    /// The command tag's verb: `SELECT`, `INSERT`, `CREATE TABLE`, `EXPLAIN`...
    public var command: String
    public var columns: [QueryColumn]
    public var rows: [[QueryValue]]
    /// Rows returned (for SELECT) or affected (INSERT/UPDATE/DELETE), from
    /// the command tag; when truncated, the rows kept.
    public var rowCount: Int
    /// More rows existed than `maxRows`, or the data passed `responseByteLimit`.
    public var truncated: Bool
    /// Time from sending the statement to its completion, in milliseconds.
    public var elapsedMilliseconds: Double

    public init(command: String, columns: [QueryColumn], rows: [[QueryValue]], rowCount: Int, truncated: Bool, elapsedMilliseconds: Double) {
        self.command = command
        self.columns = columns
        self.rows = rows
        self.rowCount = rowCount
        self.truncated = truncated
        self.elapsedMilliseconds = elapsedMilliseconds
    }
}

/// The fields of a PostgreSQL error (or the policy's), as API answers need them.
public struct QueryErrorDetail: Sendable, Equatable {
    public var sqlstate: String
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character position in the statement, when known.
    public var position: Int?

    public init(sqlstate: String, message: String, detail: String? = nil, hint: String? = nil, position: Int? = nil) {
        self.sqlstate = sqlstate
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
    }
}

/// Why a workspace query produced no result.
public enum WorkspaceQueryFailure: Error, Sendable, Equatable {
    /// The proxy's policy refused it (nothing reached the server).
    case denied(QueryErrorDetail)
    /// The server reported an error (including 57014 on statement timeout).
    case server(QueryErrorDetail)
    /// No server connection could be had or kept (pool timeout, login
    /// failure, connection lost, unknown workspace role): nothing ran, or
    /// what ran was rolled back with the connection.
    case unavailable(QueryErrorDetail)
}

/// Runs agent-tool statements on the proxy's pooled server connections.
public protocol WorkspaceQueryExecutor: Sendable {
    /// Runs `query` once. Throws only `WorkspaceQueryFailure`.
    func execute(_ query: WorkspaceQuery) async throws(WorkspaceQueryFailure) -> QueryResult
}
