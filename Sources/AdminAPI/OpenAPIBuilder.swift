/// Small constructors for the repetitive parts of the OpenAPI document, so
/// each operation reads as what it accepts and what it answers.
enum OpenAPIBuilder {
    static func ref(_ schema: String) -> JSONNode {
        ["$ref": .string("#/components/schemas/\(schema)")]
    }

    static func string(pattern: String? = nil, maxLength: Int? = nil, format: String? = nil) -> JSONNode {
        var node: JSONNode = ["type": "string"]
        if let pattern { node = node.merging(["pattern": .string(pattern)]) }
        if let maxLength { node = node.merging(["maxLength": .integer(maxLength)]) }
        if let format { node = node.merging(["format": .string(format)]) }
        return node
    }

    /// The same schema that also accepts `null`: optional request members
    /// may be sent as null, which means "not given" (the decoder's reading).
    static func nullable(_ schema: JSONNode) -> JSONNode {
        guard case .object(let members) = schema else { return schema }
        return .object(members.map { member in
            switch (member.key, member.value) {
            case ("type", .string(let type)):
                return (key: "type", value: [.string(type), "null"])
            case ("enum", .array(let values)):
                return (key: "enum", value: .array(values + [.null]))
            default:
                return member
            }
        })
    }

    static func enumeration(_ values: [String]) -> JSONNode {
        ["type": "string", "enum": .array(values.map { .string($0) })]
    }

    /// An object schema; `closed` objects refuse unknown members, as every
    /// request body does.
    static func object(required: [String], closed: Bool = false, _ properties: [(String, JSONNode)]) -> JSONNode {
        var node: JSONNode = [
            "type": "object",
            "properties": .object(properties.map { (key: $0.0, value: $0.1) }),
        ]
        if !required.isEmpty {
            node = node.merging(["required": .array(required.map { .string($0) })])
        }
        if closed {
            node = node.merging(["additionalProperties": false])
        }
        return node
    }

    static func pathParameter(_ name: String, _ description: String, schema: JSONNode) -> JSONNode {
        ["name": .string(name), "in": "path", "required": true, "description": .string(description), "schema": schema]
    }

    static let workspaceHeader: JSONNode = [
        "name": "X-Workspace-Id", "in": "header", "required": false,
        "description": "With the operator token: the workspace to act on (a workspace key acts on its own workspace).",
        "schema": string(pattern: "^[a-z][a-z0-9_]{0,62}$"),
    ]

    static let workspaceQuery: JSONNode = [
        "name": "workspace_id", "in": "query", "required": false,
        "description": "Like X-Workspace-Id: with the operator token, the workspace to act on.",
        "schema": string(pattern: "^[a-z][a-z0-9_]{0,62}$"),
    ]

    static let requestIDHeader: JSONNode = [
        "X-Request-Id": [
            "description": "The id of this request in the server log (echoed when the client sent a plain one).",
            "schema": ["type": "string"],
        ],
    ]

    static func json(_ description: String, _ schema: JSONNode) -> JSONNode {
        [
            "description": .string(description),
            "headers": requestIDHeader,
            "content": ["application/json": ["schema": schema]],
        ]
    }

    /// The error answer for `status`, in the one error shape.
    static func error(_ status: Int) -> (String, JSONNode) {
        (String(status), json(errorDescriptions[status] ?? "Error", ref("Error")))
    }

    static let errorDescriptions: [Int: String] = [
        400: "Malformed body, unknown member, or (operator token) no workspace named (X-Workspace-Id, workspace_id)",
        401: "No bearer token, or not a valid one",
        403: "The token lacks the permission",
        404: "No such workspace or key (or not the key's own workspace)",
        409: "Conflict: the id or name exists, or the workspace database is not provisioned",
        413: "Body over 1 MiB",
        422: "A member is missing, of the wrong type, or not an accepted value",
        502: "The upstream server refused the work",
        503: "The control store or the upstream server is unreachable, or a data query failed or timed out",
    ]

    static func body(_ schema: String, required: Bool) -> JSONNode {
        ["required": .bool(required), "content": ["application/json": ["schema": ref(schema)]]]
    }

    /// One operation. `statuses` lists the error statuses it can answer.
    static func operation(
        _ id: String,
        tag: String,
        summary: String,
        secured: Bool = true,
        parameters: [JSONNode] = [],
        body: JSONNode? = nil,
        success: (Int, JSONNode),
        errors: [Int]
    ) -> JSONNode {
        var responses: [(key: String, value: JSONNode)] = [(key: String(success.0), value: success.1)]
        responses += errors.map { status in
            let (key, value) = error(status)
            return (key: key, value: value)
        }
        var node: JSONNode = [
            "operationId": .string(id),
            "tags": [.string(tag)],
            "summary": .string(summary),
            "responses": .object(responses),
        ]
        if !secured { node = node.merging(["security": []]) }
        if !parameters.isEmpty { node = node.merging(["parameters": .array(parameters)]) }
        if let body { node = node.merging(["requestBody": body]) }
        return node
    }
}
