import Logging
import MCP

/// `sluice mcp`: a Model Context Protocol server over stdio that serves the
/// tools of the API key's workspace. `tools/list` is the registry of
/// `GET /v1/{workspace_id}/tools`; `tools/call` runs a tool through the HTTP
/// API. A denial or any other failure of a call is a tool result with
/// `isError: true`, never a JSON-RPC error. Stdout carries only the protocol:
/// every log line goes to the logger (stderr).
public enum SluiceMCPServer {
    public static let name = "sluice"
    public static let version = "1.0.0"
    /// Rows shown in the text table of a result (all rows are in `structuredContent`).
    public static let textRows = 20

    static let instructions = """
        Tools of one Sluice workspace (the workspace of the API key). query_customer_db runs one SQL \
        statement against the workspace's customer database under Sluice's statement policy (reads of the \
        managed schemas, writes only to schema-qualified storage.* tables); wsq_<name> tools run the \
        workspace's saved data queries with typed parameters. Results come back as structuredContent \
        {columns, rows, row_count, truncated} with a short text table.
        """

    /// A logger that writes to stderr (stdout is the protocol); nil for an unknown level.
    public static func standardErrorLogger(level: String) -> Logger? {
        guard let level = Logger.Level(rawValue: level.lowercased()) else { return nil }
        var logger = Logger(label: "sluice.mcp") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }

    /// Serves until stdin closes.
    public static func run(settings: APISettings, logger: Logger) async throws {
        let tools = WorkspaceTools(client: ToolsClient(settings: settings))
        let inFlight = InFlightCounter()
        let server = Server(
            name: name, version: version, title: "Sluice workspace tools", instructions: instructions,
            capabilities: .init(tools: .init(listChanged: false))
        )
        await server.withMethodHandler(ListTools.self) { _ in
            do {
                let registry = try await tools.registry(refresh: true).registry
                logger.info("tools/list", metadata: ["workspace": "\(registry.workspace)", "tools": "\(registry.tools.count)"])
                return .init(tools: registry.mcpTools)
            } catch {
                logger.error("tools/list failed", metadata: ["error": "\(error)"])
                throw MCPError.internalError("cannot list the tools: \(error)")
            }
        }
        await server.withMethodHandler(CallTool.self) { params in
            await inFlight.enter()
            let clock = ContinuousClock()
            let start = clock.now
            let outcome: Result<APIResponse, ToolsError>
            do throws(ToolsError) {
                let payload = JSONValue.object((params.arguments ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) })
                outcome = .success(try await tools.call(params.name, payload: payload))
            } catch {
                outcome = .failure(error)
            }
            let result = callResult(outcome)
            let elapsed = clock.now - start
            switch outcome {
            case .success:
                logger.info("tools/call", metadata: ["tool": "\(params.name)", "outcome": "ok", "elapsed": "\(elapsed)"])
            case .failure(let error):
                let oneLine = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
                logger.notice("tools/call", metadata: ["tool": "\(params.name)", "outcome": "error", "error": "\(oneLine)", "elapsed": "\(elapsed)"])
            }
            await inFlight.leave()
            return result
        }
        let transport = StdioTransport(logger: logger)
        try await server.start(transport: transport)
        logger.info("sluice mcp serving on stdio", metadata: ["api": "\(settings.baseURL.absoluteString)"])
        await server.waitUntilCompleted()
        await inFlight.drain(limit: .seconds(150))
        await server.stop()
    }

    /// The `tools/call` result of an API answer or failure.
    public static func callResult(_ outcome: Result<APIResponse, ToolsError>) -> CallTool.Result {
        switch outcome {
        case .success(let response):
            do {
                let result = try ToolResult(json: response.json)
                let table = TableRenderer(maxCellWidth: 60, maxRows: textRows).render(result)
                let structured: Value? = result.structured.mcpValue
                return .init(content: [.text(text: table, annotations: nil, _meta: nil)], structuredContent: structured, isError: false)
            } catch {
                return errorResult("\(error)", structured: nil)
            }
        case .failure(.api(let failure)):
            return errorResult(failure.summary, structured: .object([("error", failure.body)]))
        case .failure(let error):
            return errorResult("\(error)", structured: nil)
        }
    }

    static func errorResult(_ message: String, structured: JSONValue?) -> CallTool.Result {
        let value: Value? = structured?.mcpValue
        return .init(content: [.text(text: message, annotations: nil, _meta: nil)], structuredContent: value, isError: true)
    }
}
