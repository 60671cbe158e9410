import Foundation

@testable import ControlPlane

/// Runs the real `pg_dump --schema-only`, the yardstick for "provisioning
/// twice changes nothing".
enum PGDump {
    static var executable: String {
        ProcessInfo.processInfo.environment["SLUICE_TEST_PG_DUMP"] ?? "/usr/lib/postgresql/15/bin/pg_dump"
    }

    /// pg_dump 15.14 and later write `\restrict <random key>` lines; a fixed
    /// key keeps two dumps of the same schema byte-identical.
    static let supportsRestrictKey: Bool = {
        (try? run(["--help"]).contains("--restrict-key")) ?? false
    }()

    static func schema(of database: String) throws -> String {
        let server = try TestUpstream.server()
        var arguments = [
            "--schema-only", "--no-password",
            "--host", server.host, "--port", String(server.port),
            "--username", server.adminUser, "--dbname", database,
        ]
        if supportsRestrictKey {
            arguments.append("--restrict-key=SluiceControlPlaneTests")
        }
        return try run(arguments, password: server.adminPassword)
    }

    private static func run(_ arguments: [String], password: String? = nil) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSetupError("pg_dump not found at \(executable); set SLUICE_TEST_PG_DUMP")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        if let password {
            environment["PGPASSWORD"] = password
        }
        environment["PGSSLMODE"] = "disable"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        let errorFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("pg_dump-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        // Read before waiting: a full pipe would block pg_dump forever.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            throw TestSetupError("pg_dump failed (\(process.terminationStatus)): \(message)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
