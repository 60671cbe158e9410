import ArgumentParser
import Foundation
import SluiceApp
import SluiceModel
import SQLPolicy

@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A PostgreSQL wire-protocol proxy for per-workspace databases.",
        subcommands: [Serve.self, Dev.self, WorkspaceCommand.self, APIKeyCommand.self, Provision.self, Reveal.self, Rotate.self, Judge.self, ToolsCommand.self, MCPCommand.self]
    )
}

/// Options every command shares: where configuration comes from.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "A TOML configuration file (same keys as the SLUICE_* environment variables).")
    var config: String?

    func load(dev: Bool = false) throws -> SluiceConfiguration {
        var environment = ProcessInfo.processInfo.environment
        if dev, environment["SLUICE_STATE_DIR"] == nil { environment["SLUICE_STATE_DIR"] = ".sluice" }
        do {
            return try SluiceConfiguration.load(environment: environment, configFile: config)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

func parseWorkspace(_ raw: String) throws -> WorkspaceID {
    guard let id = WorkspaceID(raw) else {
        throw ValidationError("workspace ids match ^[a-z][a-z0-9_]{0,62}$")
    }
    return id
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the proxy (configuration from SLUICE_* or --config).")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await SluiceRuntime.serve(try options.load(), dev: false)
    }
}

struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run with the embedded development defaults: provisions workspace demo and writes .sluice/dev.env."
    )
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await SluiceRuntime.serve(try options.load(dev: true), dev: true)
    }
}

struct WorkspaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspace", abstract: "Manage workspaces.", subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a workspace (its roles get fresh passwords).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The workspace id.") var id: String
        @Option(help: "A display name.") var name: String?

        func run() async throws {
            let workspace = try parseWorkspace(id)
            let configuration = try options.load()
            try await SluiceRuntime.createWorkspace(configuration, id: workspace, name: name ?? id, dev: isDevState(configuration))
            print("created workspace \(workspace)")
        }
    }
}

struct Provision: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Provision (or repair) a workspace database; idempotent.")
    @OptionGroup var options: ConfigOptions
    @Argument(help: "The workspace id.") var id: String

    func run() async throws {
        let workspace = try parseWorkspace(id)
        let configuration = try options.load()
        try await SluiceRuntime.provision(configuration, id: workspace, dev: isDevState(configuration))
        print("provisioned workspace \(workspace)")
    }
}

struct Reveal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a connection URI of a workspace.")
    @OptionGroup var options: ConfigOptions
    @Argument(help: "The workspace id.") var id: String
    @Flag(help: "Session pooling instead of transaction pooling.") var session = false
    @Option(help: "customer or runtime.") var kind: String = "customer"

    func run() async throws {
        let workspace = try parseWorkspace(id)
        guard let role = RoleKind(rawValue: kind) else { throw ValidationError("--kind is customer or runtime") }
        let configuration = try options.load()
        print(try await SluiceRuntime.reveal(configuration, id: workspace, kind: role, pooled: !session, dev: isDevState(configuration)))
    }
}

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "Manage workspace API keys.", subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a workspace API key (printed once; only its hash is stored)."
        )
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The workspace id.") var workspace: String
        @Option(help: "view, update or admin.") var permission: String
        @Option(help: "A label to tell keys apart.") var label: String?

        func run() async throws {
            let id = try parseWorkspace(workspace)
            let configuration = try options.load()
            let created = try await SluiceRuntime.createAPIKey(
                configuration, workspace: id, permission: permission, label: label, dev: isDevState(configuration)
            )
            print("created API key \(created.id) (\(permission)) for workspace \(id); it is shown only now:")
            print(created.key)
        }
    }
}

struct Rotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rotate a workspace role's password and print the new URI.",
        discussion: """
            A running proxy notices within 2 s. The HTTP API's rotate makes the old password fail \
            at once and can end open sessions (terminate_sessions).
            """
    )
    @OptionGroup var options: ConfigOptions
    @Argument(help: "The workspace id.") var id: String
    @Option(help: "customer or runtime.") var kind: String = "customer"
    @Flag(help: "Print the session-pooling URI instead of the transaction-pooling one.") var session = false

    func run() async throws {
        let workspace = try parseWorkspace(id)
        guard let role = RoleKind(rawValue: kind) else { throw ValidationError("--kind is customer or runtime") }
        let configuration = try options.load()
        print(try await SluiceRuntime.rotate(configuration, id: workspace, kind: role, pooled: !session, dev: isDevState(configuration)))
    }
}

/// Commands run next to `sluice dev` find the generated master key in its state directory.
func isDevState(_ configuration: SluiceConfiguration) -> Bool {
    configuration.masterKeyBase64 == nil && configuration.masterKeyFile == nil
        && FileManager.default.fileExists(atPath: configuration.stateDirectory + "/master.key")
}

struct Judge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the statement policy's verdict on SQL text (for operators and debugging)."
    )
    @Option(help: "customer or runtime.") var role: String = "customer"
    @Option(help: "session or transaction.") var mode: String = "transaction"
    @Flag(help: "Judge as the agent tool (query_customer_db) would.") var tool = false
    @Argument(help: "SQL text.") var sql: String

    func run() throws {
        guard let role = RoleKind(rawValue: role), let mode = PoolMode(rawValue: mode) else {
            throw ValidationError("--role is customer or runtime; --mode is session or transaction")
        }
        let policy = StatementPolicy(context: PolicyContext(role: role, mode: mode, surface: tool ? .tool : .wire))
        let judgement = policy.judge(sql)
        for statement in judgement.statements {
            switch statement.verdict {
            case .allow:
                print("allow \(statement.kind) @\(statement.location)\(statement.sessionEffect.map { " effect=\($0)" } ?? "")")
            case .deny(let denial):
                print("deny \(denial.reason.rawValue) \(statement.kind) @\(statement.location): \(denial.message)\(denial.position.map { " (position \($0))" } ?? "")")
            }
        }
        if judgement.statements.isEmpty { print("allow (empty query)") }
    }
}
