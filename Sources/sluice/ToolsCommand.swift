import ArgumentParser
import SluiceTools

/// `sluice tools list|execute`: the agent tools of the key's workspace, from a shell.
struct ToolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools",
        abstract: "List and run the agent tools of an API key's workspace (through the HTTP API).",
        discussion: """
            The API comes from --api/--api-key, else SLUICE_API and SLUICE_API_KEY, else the \
            .sluice/dev.env that `sluice dev` writes. Exit status: 0 on success, 1 when the API \
            refused or failed the request (its message and SQLSTATE go to stderr), 2 when the \
            request could not be made.
            """,
        subcommands: [List.self, Execute.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the tools: query_customer_db and one wsq_<name> per data query."
        )
        @OptionGroup var api: APIOptions
        @Flag(help: "Print the API's JSON answer unchanged.") var json = false

        func run() async throws {
            do throws(ToolsError) {
                let client = ToolsClient(settings: try api.settings())
                let (registry, response) = try await ToolRegistry.fetch(client: client)
                if json {
                    writeRaw(response)
                } else {
                    writeStandardOutput(TableRenderer().render(registry))
                }
            } catch {
                throw reportToolsFailure(error, json: json)
            }
        }
    }

    struct Execute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a tool of the registry.",
            discussion: """
                query_customer_db takes its request body as the payload: '{"sql": "SELECT 1", "max_rows": 100}'. \
                A data-query tool wsq_<name> takes its parameters: '{"pattern": "%@example.com"}'.
                """
        )
        @OptionGroup var api: APIOptions
        @Argument(help: "The tool name (see `sluice tools list`).") var tool: String
        @Option(help: ArgumentHelp("The tool's arguments as a JSON object.", valueName: "json")) var payload: String = "{}"
        @Flag(help: "Print the API's JSON answer unchanged.") var json = false

        func run() async throws {
            let arguments: JSONValue
            do {
                arguments = try JSONParser.parse(payload)
            } catch {
                throw ValidationError("--payload: \(error)")
            }
            guard arguments.members != nil else { throw ValidationError("--payload must be a JSON object") }
            do throws(ToolsError) {
                let tools = WorkspaceTools(client: ToolsClient(settings: try api.settings()))
                let response = try await tools.call(tool, payload: arguments)
                if json {
                    writeRaw(response)
                } else {
                    writeStandardOutput(TableRenderer().render(try ToolResult(json: response.json)))
                }
            } catch {
                throw reportToolsFailure(error, json: json)
            }
        }
    }
}
