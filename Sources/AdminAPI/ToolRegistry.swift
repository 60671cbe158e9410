import ControlPlane

/// The agent tools of a workspace: `query_customer_db`, and one
/// `wsq_<name>` per data query whose JSON Schema comes from its parameters.
enum ToolRegistry {
    static let queryCustomerDBName = "query_customer_db"
    static let dataQueryPrefix = "wsq_"

    static let queryCustomerDB = ToolBody(
        name: queryCustomerDBName,
        description: """
            Run one SQL statement in the workspace database. Reads (SELECT, EXPLAIN, read-only WITH) work on \
            every schema the role may read: dl_resolved.people and dl_resolved.companies are the ready-to-query \
            views. INSERT, UPDATE, DELETE, CREATE TABLE, CREATE INDEX, ALTER TABLE, DROP TABLE and TRUNCATE are \
            allowed only on schema-qualified storage.<table>. Do not SET search_path: schema-qualify every name. \
            One statement per call; results are cut at max_rows (truncated: true).
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "sql": ["type": "string", "description": "One SQL statement."],
                "max_rows": [
                    "type": "integer", "minimum": 1, "maximum": .integer(WorkspaceSQL.maxMaxRows),
                    "default": .integer(WorkspaceSQL.defaultMaxRows),
                    "description": "Rows to return at most.",
                ],
            ],
            "required": ["sql"],
            "additionalProperties": false,
        ],
        queryID: nil
    )

    static func tool(for record: DataQueryRecord) -> ToolBody {
        var properties: [(key: String, value: JSONNode)] = []
        var required: [JSONNode] = []
        for parameter in record.parameters {
            var schema: JSONNode = [
                "type": .string(parameter.type),
                "description": .string(parameter.description),
            ]
            if let value = parameter.defaultJSON.flatMap(JSONInput.init(jsonText:)) {
                schema = schema.merging(["default": value.node])
            } else {
                required.append(.string(parameter.name))
            }
            properties.append((key: parameter.name, value: schema))
        }
        return ToolBody(
            name: dataQueryPrefix + record.name,
            description: record.description,
            inputSchema: [
                "type": "object",
                "properties": .object(properties),
                "required": .array(required),
                "additionalProperties": false,
            ],
            queryID: record.id.uuidString.lowercased()
        )
    }

    static func tools(_ records: [DataQueryRecord]) -> [ToolBody] {
        [queryCustomerDB] + records.map(tool(for:))
    }
}
