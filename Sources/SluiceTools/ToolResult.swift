/// The rows a tool returned (query_customer_db or a data query's invoke).
public struct ToolResult: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: String
        public init(name: String, type: String) {
            self.name = name
            self.type = type
        }
    }

    public var command: String?
    public var columns: [Column]
    public var rows: [[JSONValue]]
    public var rowCount: Int
    public var truncated: Bool
    public var elapsedMilliseconds: JSONValue?

    public init(command: String? = nil, columns: [Column], rows: [[JSONValue]], rowCount: Int? = nil, truncated: Bool = false,
                elapsedMilliseconds: JSONValue? = nil) {
        self.command = command
        self.columns = columns
        self.rows = rows
        self.rowCount = rowCount ?? rows.count
        self.truncated = truncated
        self.elapsedMilliseconds = elapsedMilliseconds
    }

    /// Reads `{"command"?, "columns": [{"name","type"}], "rows": [[...]], "row_count", "truncated", "elapsed_ms"}`.
    public init(json: JSONValue) throws(ToolsError) {
        guard json.members != nil else { throw .badResponse(status: 200, reason: "the result is not a JSON object") }
        let columns = (json["columns"]?.array ?? []).map { column in
            Column(name: column["name"]?.string ?? "?column?", type: column["type"]?.string ?? "")
        }
        var rows: [[JSONValue]] = []
        for row in json["rows"]?.array ?? [] {
            guard let values = row.array else { throw .badResponse(status: 200, reason: "a row is not a JSON array") }
            rows.append(values)
        }
        self.init(
            command: json["command"]?.string, columns: columns, rows: rows, rowCount: json["row_count"]?.int,
            truncated: json["truncated"]?.bool ?? false, elapsedMilliseconds: json["elapsed_ms"]
        )
    }

    /// `{columns, rows, row_count, truncated}`: what the MCP server returns as structured content.
    public var structured: JSONValue {
        .object([
            ("columns", .array(columns.map { .object([("name", .string($0.name)), ("type", .string($0.type))]) })),
            ("rows", .array(rows.map(JSONValue.array))),
            ("row_count", .number(String(rowCount))),
            ("truncated", .bool(truncated)),
        ])
    }
}
