/// The agent-tool, table and data-query part of the OpenAPI document.
enum OpenAPIToolDocument {
    typealias B = OpenAPIBuilder

    static let identifierPattern = "^[a-z][a-z0-9_]{0,62}$"
    static let queryNamePattern = "^[a-z][a-z0-9_]*$"

    static var paths: JSONNode {
        let workspaceID = B.pathParameter(
            "workspace_id", "The workspace id (a key's own workspace).",
            schema: B.string(pattern: OpenAPIDocument.workspaceIDPattern)
        )
        let queryID = B.pathParameter("query_id", "The data query's id.", schema: B.string(format: "uuid"))
        let tableName = B.pathParameter("name", "The table name in storage.", schema: B.string(pattern: identifierPattern))
        return [
            "/api/v2/tools/query_customer_db": [
                "post": B.operation(
                    "queryCustomerDB", tag: "tools",
                    summary: "Run one SQL statement under the policy (reads need view, storage writes update)",
                    parameters: [B.workspaceHeader, B.workspaceQuery],
                    body: B.body("QueryCustomerDBRequest", required: true),
                    success: (200, B.json("The result", B.ref("QueryResult"))),
                    errors: [400, 401, 403, 404, 409, 413, 422, 503]
                ),
            ],
            "/v1/{workspace_id}/tools": [
                "get": B.operation(
                    "listTools", tag: "tools", summary: "The agent tools of the workspace with their input schemas",
                    parameters: [workspaceID],
                    success: (200, B.json("The tools", ["type": "array", "items": B.ref("Tool")])),
                    errors: [401, 403, 404, 503]
                ),
            ],
            "/v1/{workspace_id}/tables": [
                "post": B.operation(
                    "createTable", tag: "tables", summary: "Create storage.<name> (provisions the workspace database if needed)",
                    parameters: [workspaceID],
                    body: B.body("CreateTableRequest", required: true),
                    success: (201, B.json("The table", B.ref("Table"))),
                    errors: [400, 401, 403, 404, 409, 413, 422, 502, 503]
                ),
                "get": B.operation(
                    "listTables", tag: "tables", summary: "The workspace's tables in storage",
                    parameters: [workspaceID],
                    success: (200, B.json("The tables", ["type": "array", "items": B.ref("Table")])),
                    errors: [400, 401, 403, 404, 503]
                ),
            ],
            "/v1/{workspace_id}/tables/{name}": [
                "delete": B.operation(
                    "deleteTable", tag: "tables", summary: "Drop storage.<name>",
                    parameters: [workspaceID, tableName],
                    success: (204, ["description": "Dropped", "headers": B.requestIDHeader]),
                    errors: [400, 401, 403, 404, 409, 503]
                ),
            ],
            "/v1/{workspace_id}/data_queries": [
                "post": B.operation(
                    "createDataQuery", tag: "data_queries", summary: "Create a data query (tool wsq_<name>)",
                    parameters: [workspaceID],
                    body: B.body("CreateDataQueryRequest", required: true),
                    success: (201, B.json("The data query", B.ref("DataQuery"))),
                    errors: [400, 401, 403, 404, 409, 413, 422, 503]
                ),
                "get": B.operation(
                    "listDataQueries", tag: "data_queries", summary: "The workspace's data queries, newest first",
                    parameters: [workspaceID],
                    success: (200, B.json("The data queries", ["type": "array", "items": B.ref("DataQuery")])),
                    errors: [401, 403, 404, 503]
                ),
            ],
            "/v1/{workspace_id}/data_queries/{query_id}": [
                "get": B.operation(
                    "getDataQuery", tag: "data_queries", summary: "One data query",
                    parameters: [workspaceID, queryID],
                    success: (200, B.json("The data query", B.ref("DataQuery"))),
                    errors: [401, 403, 404, 503]
                ),
                "patch": B.operation(
                    "updateDataQuery", tag: "data_queries", summary: "Update any subset of a data query's fields",
                    parameters: [workspaceID, queryID],
                    body: B.body("PatchDataQueryRequest", required: false),
                    success: (200, B.json("The data query", B.ref("DataQuery"))),
                    errors: [400, 401, 403, 404, 409, 413, 422, 503]
                ),
                "delete": B.operation(
                    "deleteDataQuery", tag: "data_queries", summary: "Delete a data query",
                    parameters: [workspaceID, queryID],
                    success: (204, ["description": "Deleted", "headers": B.requestIDHeader]),
                    errors: [401, 403, 404, 503]
                ),
            ],
            "/v1/{workspace_id}/data_queries/{query_id}/invoke": [
                "post": B.operation(
                    "invokeDataQuery", tag: "data_queries", summary: "Run a data query with arguments",
                    parameters: [workspaceID, queryID],
                    body: B.body("InvokeDataQueryRequest", required: false),
                    success: (200, B.json("The result", B.ref("DataQueryResult"))),
                    errors: [400, 401, 403, 404, 409, 413, 422, 503]
                ),
            ],
        ]
    }

    static let scalar: JSONNode = ["type": ["string", "integer", "number", "boolean", "null"]]

    static var parameter: JSONNode {
        B.object(required: ["name", "type", "description"], closed: true, [
            ("name", B.string(pattern: queryNamePattern, maxLength: DataQueryValidator.maxParameterNameLength)),
            ("type", B.enumeration(["string", "integer", "number", "boolean"])),
            ("description", B.string(maxLength: DataQueryValidator.maxParameterDescriptionLength)),
            ("default", scalar),
        ])
    }

    static var resultProperties: [(String, JSONNode)] {
        [
            ("columns", ["type": "array", "items": B.object(required: ["name", "type"], [
                ("name", ["type": "string"]), ("type", ["type": "string"]),
            ])]),
            ("rows", ["type": "array", "items": ["type": "array"]]),
            ("row_count", ["type": "integer"]),
            ("truncated", ["type": "boolean"]),
            ("elapsed_ms", ["type": "number"]),
        ]
    }

    static var schemas: JSONNode {
        let nullableDate = B.nullable(OpenAPISchemas.dateTime)
        return [
            "QueryCustomerDBRequest": B.object(required: ["sql"], closed: true, [
                ("sql", ["type": "string"]),
                ("max_rows", B.nullable(["type": "integer", "minimum": 1, "maximum": .integer(WorkspaceSQL.maxMaxRows)])),
                ("timeout_ms", B.nullable([
                    "type": "integer",
                    "minimum": .integer(AgentToolEndpoints.timeoutRange.lowerBound),
                    "maximum": .integer(AgentToolEndpoints.timeoutRange.upperBound),
                ])),
            ]),
            "QueryResult": B.object(
                required: ["command", "columns", "rows", "row_count", "truncated", "elapsed_ms"],
                [("command", ["type": "string"])] + resultProperties
            ),
            "DataQueryResult": B.object(
                required: ["query_id", "name", "columns", "rows", "row_count", "truncated", "elapsed_ms"],
                [("query_id", B.string(format: "uuid")), ("name", ["type": "string"])] + resultProperties
            ),
            "Tool": B.object(required: ["name", "description", "input_schema"], [
                ("name", ["type": "string"]),
                ("description", ["type": "string"]),
                ("input_schema", ["type": "object"]),
                ("query_id", B.string(format: "uuid")),
            ]),
            "CreateTableRequest": B.object(required: ["name", "columns"], closed: true, [
                ("name", B.string(pattern: identifierPattern)),
                ("columns", [
                    "type": "array", "minItems": 1, "maxItems": .integer(TableService.maxColumns),
                    "items": B.object(required: ["name", "type"], closed: true, [
                        ("name", B.string(pattern: identifierPattern)),
                        ("type", B.enumeration(TableService.columnTypes.keys.sorted())),
                        ("nullable", B.nullable(["type": "boolean"])),
                        ("primary_key", B.nullable(["type": "boolean"])),
                    ]),
                ]),
            ]),
            "Table": B.object(required: ["name", "schema", "columns"], [
                ("name", ["type": "string"]),
                ("schema", ["type": "string"]),
                ("columns", ["type": "array", "items": B.object(required: ["name", "type", "nullable", "primary_key"], [
                    ("name", ["type": "string"]), ("type", ["type": "string"]),
                    ("nullable", ["type": "boolean"]), ("primary_key", ["type": "boolean"]),
                ])]),
            ]),
            "CreateDataQueryRequest": B.object(required: ["name", "description", "sql_template"], closed: true, [
                ("name", B.string(pattern: queryNamePattern, maxLength: DataQueryValidator.maxNameLength)),
                ("description", B.string(maxLength: DataQueryValidator.maxDescriptionLength)),
                ("sql_template", B.string(maxLength: DataQueryValidator.maxTemplateLength)),
                ("parameters", B.nullable(["type": "array", "maxItems": .integer(DataQueryValidator.maxParameters), "items": parameter])),
                ("timeout_ms", B.nullable(["type": "integer", "minimum": 100, "maximum": 30000, "default": 5000])),
            ]),
            "PatchDataQueryRequest": B.object(required: [], closed: true, [
                ("name", B.nullable(B.string(pattern: queryNamePattern, maxLength: DataQueryValidator.maxNameLength))),
                ("description", B.nullable(B.string(maxLength: DataQueryValidator.maxDescriptionLength))),
                ("sql_template", B.nullable(B.string(maxLength: DataQueryValidator.maxTemplateLength))),
                ("parameters", B.nullable(["type": "array", "maxItems": .integer(DataQueryValidator.maxParameters), "items": parameter])),
                ("timeout_ms", B.nullable(["type": "integer", "minimum": 100, "maximum": 30000])),
            ]),
            "InvokeDataQueryRequest": B.object(required: [], closed: true, [
                ("input", B.nullable(["type": "object", "additionalProperties": scalar])),
            ]),
            "DataQuery": B.object(
                required: ["id", "name", "description", "sql_template", "parameters", "timeout_ms",
                           "last_invoked_at", "deployed_at", "deployed_by"],
                [
                    ("id", B.string(format: "uuid")),
                    ("name", ["type": "string"]),
                    ("description", ["type": "string"]),
                    ("sql_template", ["type": "string"]),
                    ("parameters", ["type": "array", "items": B.object(required: ["name", "type", "description", "default"], [
                        ("name", ["type": "string"]), ("type", ["type": "string"]),
                        ("description", ["type": "string"]), ("default", scalar),
                    ])]),
                    ("timeout_ms", ["type": "integer"]),
                    ("last_invoked_at", nullableDate),
                    ("deployed_at", nullableDate),
                    ("deployed_by", B.nullable(B.string(format: "uuid"))),
                ]
            ),
        ]
    }
}
