import Foundation

/// The real PostgreSQL server the integration tests run against, named by
/// `SLUICE_TEST_UPSTREAM_URL` (a superuser URL such as
/// `postgresql://postgres:PW@127.0.0.1:PORT/postgres`, exported by
/// `scripts/test.sh`).
///
/// Without the variable a developer machine skips the integration suites, but
/// with `CI=true` they run and fail at once: CI must never pass by silently
/// testing nothing.
public struct TestPostgres: Sendable, Equatable {
    public static let environmentKey = "SLUICE_TEST_UPSTREAM_URL"

    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var database: String

    public init(host: String, port: Int, user: String, password: String, database: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// Parses `postgresql://user:password@host:port/database` (or `postgres://`);
    /// nil for anything else. Percent-escapes in user and password are decoded.
    public init?(url: String) {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme, scheme == "postgresql" || scheme == "postgres",
              let host = components.host, !host.isEmpty,
              let user = components.user, !user.isEmpty
        else { return nil }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.init(
            host: host,
            port: components.port ?? 5432,
            user: user,
            password: components.password ?? "",
            database: path.isEmpty ? "postgres" : path
        )
    }

    /// The raw variable, when set and not empty.
    public static var url: String? {
        guard let value = ProcessInfo.processInfo.environment[environmentKey], !value.isEmpty else { return nil }
        return value
    }

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The condition of every integration suite (`.enabled(if: TestPostgres.shouldRun)`):
    /// true when a server is configured, and also under CI, where `require()` then fails.
    public static var shouldRun: Bool { url != nil || isCI }

    /// The configured server, or an error saying why there is none (what a CI run reports).
    public static func require() throws -> TestPostgres {
        guard let url else {
            throw TestSupportError("\(environmentKey) is not set; with CI=true the integration tests must run against a real PostgreSQL")
        }
        guard let server = TestPostgres(url: url) else {
            throw TestSupportError("\(environmentKey) is not a postgresql://user:password@host:port/database URL")
        }
        return server
    }
}
