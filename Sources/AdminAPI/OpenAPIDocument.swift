import Foundation

/// The API's OpenAPI 3.1 description, served at `/openapi.json`.
///
/// Written by hand next to the code it describes; `OpenAPIDocumentTests`
/// keeps the two true to each other (every route of the router is here,
/// every operation here answers), and schemathesis fuzzes the running
/// server against it.
enum OpenAPIDocument {
    typealias B = OpenAPIBuilder

    /// The encoded document (sorted keys, so the bytes are stable).
    static let json: [UInt8] = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(document))) ?? Array(#"{"openapi":"3.1.0"}"#.utf8)
    }()

    static let workspaceIDPattern = "^[a-z][a-z0-9_]{0,62}$"

    static var document: JSONNode {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "Sluice HTTP API",
                "version": "1.0.0",
                "description": """
                    Operator, customer data access and service endpoints of Sluice. Every error has the shape \
                    {"error": {"status", "code", "message", "details"?}}. Authenticate with Authorization: Bearer \
                    <token>: the operator token, or a workspace API key (permission view, update or admin).
                    """,
            ],
            "security": [["bearer": []]],
            "tags": [
                ["name": "operator", "description": "Workspaces and API keys (operator token)."],
                ["name": "ingestion", "description": "Customer data access for the current workspace."],
                ["name": "tools", "description": "Agent tools: query_customer_db and the tool registry."],
                ["name": "tables", "description": "Custom tables in the workspace's storage schema."],
                ["name": "data_queries", "description": "Registered, parameterized data queries (tools wsq_<name>)."],
                ["name": "service", "description": "Health, readiness, metrics and this document (no authentication)."],
            ],
            "paths": paths.merging(OpenAPIToolDocument.paths),
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": OpenAPISchemas.all.merging(OpenAPIToolDocument.schemas),
            ],
        ]
    }

    static var paths: JSONNode {
        let workspaceID = B.pathParameter(
            "id", "The workspace id.", schema: B.string(pattern: workspaceIDPattern)
        )
        let keyID = B.pathParameter("key_id", "The API key id.", schema: B.string(pattern: "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|ak[a-z0-9]{16})$"))
        let header = B.workspaceHeader
        return [
            "/api/v2/workspaces": [
                "post": B.operation(
                    "createWorkspace", tag: "operator", summary: "Create a workspace",
                    body: B.body("CreateWorkspaceRequest", required: true),
                    success: (201, B.json("The workspace", B.ref("Workspace"))),
                    errors: [400, 401, 403, 409, 413, 422, 503]
                ),
                "get": B.operation(
                    "listWorkspaces", tag: "operator", summary: "List workspaces",
                    success: (200, B.json("Every workspace, oldest first", ["type": "array", "items": B.ref("Workspace")])),
                    errors: [401, 403, 503]
                ),
            ],
            "/api/v2/workspaces/{id}/api-keys": [
                "parameters": [workspaceID],
                "post": B.operation(
                    "createAPIKey", tag: "operator", summary: "Create a workspace API key (shown once)",
                    body: B.body("CreateAPIKeyRequest", required: true),
                    success: (201, B.json("The key; `key` appears only in this answer", B.ref("CreatedAPIKey"))),
                    errors: [400, 401, 403, 404, 413, 422, 503]
                ),
                "get": B.operation(
                    "listAPIKeys", tag: "operator", summary: "List a workspace's API keys (never the keys themselves)",
                    success: (200, B.json("The keys, revoked ones included", ["type": "array", "items": B.ref("APIKey")])),
                    errors: [401, 403, 404, 503]
                ),
            ],
            "/api/v2/workspaces/{id}/api-keys/{key_id}": [
                "parameters": [workspaceID, keyID],
                "delete": B.operation(
                    "revokeAPIKey", tag: "operator", summary: "Revoke an API key; it stops working at once",
                    success: (204, ["description": "Revoked", "headers": B.requestIDHeader]),
                    errors: [401, 403, 404, 503]
                ),
            ],
            "/api/v2/ingestion/status": [
                "get": B.operation(
                    "ingestionStatus", tag: "ingestion",
                    summary: "Whether the workspace database is provisioned (asked of the server) and active",
                    parameters: [header, B.workspaceQuery],
                    success: (200, B.json("The status", B.ref("IngestionStatus"))),
                    errors: [400, 401, 403, 404, 503]
                ),
            ],
            "/api/v2/ingestion/provision": [
                "post": B.operation(
                    "provision", tag: "ingestion",
                    summary: "Create or repair the workspace database (idempotent); answers the status once active",
                    parameters: [header, B.workspaceQuery],
                    body: B.body("ProvisionRequest", required: false),
                    success: (200, B.json("The status after provisioning", B.ref("IngestionStatus"))),
                    errors: [400, 401, 403, 404, 413, 422, 502, 503]
                ),
            ],
            "/api/v2/ingestion/connection-uris/metadata": [
                "get": B.operation(
                    "connectionMetadata", tag: "ingestion", summary: "Project, database and role metadata",
                    parameters: [header, B.workspaceQuery],
                    success: (200, B.json("The metadata", B.ref("ConnectionMetadata"))),
                    errors: [400, 401, 403, 404, 409, 503]
                ),
            ],
            "/api/v2/ingestion/connection-uris/reveal": [
                "post": B.operation(
                    "revealConnectionURI", tag: "ingestion",
                    summary: "Reveal a connection URI through the proxy (pooled: transaction pooling; else session)",
                    parameters: [header, B.workspaceQuery],
                    body: B.body("RevealRequest", required: false),
                    success: (200, B.json("The URI", B.ref("RevealedURI"))),
                    errors: [400, 401, 403, 404, 409, 413, 422, 503]
                ),
            ],
            "/api/v2/ingestion/connection-uris/rotate": [
                "post": B.operation(
                    "rotatePassword", tag: "ingestion",
                    summary: "Rotate the role's password; the old one fails at once, open sessions stay unless terminate_sessions",
                    parameters: [header, B.workspaceQuery],
                    body: B.body("RotateRequest", required: false),
                    success: (200, B.json("The new URI", B.ref("Rotation"))),
                    errors: [400, 401, 403, 404, 409, 413, 422, 502, 503]
                ),
            ],
            "/healthz": [
                "get": B.operation(
                    "healthz", tag: "service", summary: "The process is up", secured: false,
                    success: (200, B.json("Up", B.ref("Health"))), errors: []
                ),
            ],
            "/readyz": [
                "get": B.operation(
                    "readyz", tag: "service",
                    summary: "Ready: control store, every upstream and the proxy listener answer", secured: false,
                    success: (200, B.json("Ready", B.ref("Health"))), errors: [503]
                ),
            ],
            "/metrics": [
                "get": B.operation(
                    "metrics", tag: "service", summary: "Prometheus metrics", secured: false,
                    success: (200, [
                        "description": "Prometheus text exposition format",
                        "headers": B.requestIDHeader,
                        "content": ["text/plain": ["schema": ["type": "string"]]],
                    ]),
                    errors: []
                ),
            ],
            "/openapi.json": [
                "get": B.operation(
                    "openapi", tag: "service", summary: "This document", secured: false,
                    success: (200, B.json("OpenAPI 3.1", ["type": "object"])), errors: []
                ),
            ],
        ]
    }
}
