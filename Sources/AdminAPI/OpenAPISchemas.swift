/// The component schemas of the OpenAPI document: request bodies (closed:
/// unknown members are refused, as the decoder does; optional members may be
/// null) and answers.
enum OpenAPISchemas {
    typealias B = OpenAPIBuilder

    /// Display names and labels: no control characters, at most 200.
    static let text = #"^[^\u0000-\u001f\u007f-\u009f]*$"#
    static let dateTime = B.string(format: "date-time")
    static let kind = B.enumeration(["customer", "runtime"])
    static let permission = B.enumeration(["view", "update", "admin"])

    static var all: JSONNode {
        [
            "Error": B.object(required: ["error"], [
                ("error", B.object(required: ["status", "code", "message"], [
                    ("status", ["type": "integer"]),
                    ("code", B.string(pattern: "^[a-z][a-z0-9_]*$")),
                    ("message", ["type": "string"]),
                    ("details", ["type": "array", "items": B.ref("ErrorDetail")]),
                    ("sqlstate", B.string(pattern: "^[0-9A-Z]{5}$")),
                    ("hint", ["type": "string"]),
                    ("position", ["type": "integer"]),
                ])),
            ]),
            "ErrorDetail": B.object(required: ["field", "message"], [
                ("field", ["type": "string"]),
                ("message", ["type": "string"]),
            ]),
            "CreateWorkspaceRequest": B.object(required: ["id"], closed: true, [
                ("id", B.string(pattern: OpenAPIDocument.workspaceIDPattern, maxLength: 63)),
                ("name", B.nullable(B.string(pattern: text, maxLength: OperatorService.maxTextLength).merging(["minLength": 1]))),
            ]),
            "Workspace": B.object(required: ["id", "name", "created_at"], [
                ("id", ["type": "string"]),
                ("name", ["type": "string"]),
                ("created_at", dateTime),
            ]),
            "CreateAPIKeyRequest": B.object(required: ["permission"], closed: true, [
                ("permission", permission),
                ("label", B.nullable(B.string(pattern: text, maxLength: OperatorService.maxTextLength))),
            ]),
            "CreatedAPIKey": B.object(required: ["id", "key", "permission", "label", "created_at"], [
                ("id", ["type": "string"]),
                ("key", ["type": "string"]),
                ("permission", permission),
                ("label", ["type": "string"]),
                ("created_at", dateTime),
            ]),
            "APIKey": B.object(required: ["id", "workspace_id", "permission", "label", "created_at", "revoked_at"], [
                ("id", ["type": "string"]),
                ("workspace_id", ["type": "string"]),
                ("permission", permission),
                ("label", ["type": "string"]),
                ("created_at", dateTime),
                ("revoked_at", ["type": ["string", "null"], "format": "date-time"]),
            ]),
            "IngestionStatus": B.object(required: ["workspace_id", "provisioned", "plane", "database", "schemas"], [
                ("workspace_id", ["type": "string"]),
                ("provisioned", ["type": "boolean"]),
                ("plane", B.object(required: ["status", "detail"], [
                    ("status", B.enumeration(["active", "provisioning", "failed", "absent"])),
                    ("detail", ["type": "string"]),
                ])),
                ("database", ["type": "string"]),
                ("schemas", ["type": "array", "items": ["type": "string"]]),
            ]),
            "ProvisionRequest": B.object(required: [], closed: true, []),
            "ConnectionMetadata": B.object(required: ["project", "database", "roles"], [
                ("project", B.object(required: ["id", "upstream"], [
                    ("id", ["type": "string"]),
                    ("upstream", ["type": "string"]),
                ])),
                ("database", ["type": "string"]),
                ("roles", ["type": "array", "items": B.object(
                    required: ["kind", "name", "pooled_host", "pooled_port", "password_rotated_at"], [
                        ("kind", kind),
                        ("name", ["type": "string"]),
                        ("pooled_host", ["type": "string"]),
                        ("pooled_port", ["type": "integer"]),
                        ("password_rotated_at", dateTime),
                    ]
                )]),
            ]),
            "RevealRequest": B.object(required: [], closed: true, [
                ("kind", B.nullable(kind)),
                ("pooled", B.nullable(["type": "boolean"])),
                ("workspace_id", B.nullable(B.string(pattern: "^[a-z][a-z0-9_]{0,62}$"))),
            ]),
            "RevealedURI": B.object(required: ["kind", "pooled", "role", "database", "uri"], [
                ("kind", kind),
                ("pooled", ["type": "boolean"]),
                ("role", ["type": "string"]),
                ("database", ["type": "string"]),
                ("uri", B.string(pattern: "^postgresql://")),
            ]),
            "RotateRequest": B.object(required: [], closed: true, [
                ("kind", B.nullable(kind)),
                ("terminate_sessions", B.nullable(["type": "boolean"])),
                ("pooled", B.nullable(["type": "boolean"])),
                ("workspace_id", B.nullable(B.string(pattern: "^[a-z][a-z0-9_]{0,62}$"))),
            ]),
            "Rotation": B.object(required: ["kind", "rotated_at", "uri"], [
                ("kind", kind),
                ("rotated_at", dateTime),
                ("uri", B.string(pattern: "^postgresql://")),
                ("terminated_sessions", ["type": "integer", "minimum": 0]),
            ]),
            "Health": B.object(required: ["status"], [
                ("status", ["type": "string"]),
            ]),
        ]
    }
}
