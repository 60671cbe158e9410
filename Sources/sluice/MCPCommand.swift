import ArgumentParser
import SluiceTools

/// `sluice mcp`: the workspace's tools as a Model Context Protocol server on stdio.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the API key's workspace tools over MCP (JSON-RPC on stdin/stdout).",
        discussion: """
            For agent runtimes (Claude Desktop, Claude Code, ...): run it with SLUICE_API and \
            SLUICE_API_KEY in its environment. Stdout carries only the protocol; logs go to stderr. \
            It exits when stdin closes.
            """
    )
    @OptionGroup var api: APIOptions
    @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        guard let logger = SluiceMCPServer.standardErrorLogger(level: logLevel) else {
            throw ValidationError("--log-level is one of trace, debug, info, notice, warning, error, critical")
        }
        let settings: APISettings
        do {
            settings = try api.settings()
        } catch {
            throw reportToolsFailure(error, json: false)
        }
        try await SluiceMCPServer.run(settings: settings, logger: logger)
    }
}
