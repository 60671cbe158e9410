import ControlPlane
import Foundation
import Logging
import NIOCore

/// The whole configuration, from `SLUICE_*` environment variables or a TOML
/// file (same keys, lower-case, without the prefix). Secrets (master key,
/// operator token) come only from the environment or from files readable by
/// the service alone, never from the TOML file or the command line.
public struct SluiceConfiguration: Sendable {
    public var listenHost = "127.0.0.1"
    public var port = 6432
    public var httpHost = "127.0.0.1"
    public var httpPort = 8080
    /// Host and port written into revealed URIs.
    public var publicHost = "127.0.0.1"
    public var publicPort: Int?
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    public var tlsRequired = false
    public var upstreamCAPath: String?
    public var upstreamURLs: [String] = []
    public var controlDatabase = "sluice_control"
    public var stateDirectory = ".sluice"
    public var authTimeoutSeconds = 15.0
    public var partialMessageTimeoutSeconds = 30.0
    public var maxMessageLength = 1 << 30
    /// Server connections per workspace role, per event loop (see `threads`).
    public var poolSize = 20
    /// Event loops (threads) of the proxy; each has its own pools.
    public var threads = System.coreCount
    public var poolMinIdle = 0
    /// Server connections to one upstream server across all its workspace
    /// roles, for the whole process (shared out among the event loops);
    /// 0: no limit beyond `pool_size` per role.
    public var upstreamPoolSize = 0
    public var poolIdleTimeoutSeconds = 600.0
    public var poolMaxLifetimeSeconds = 3600.0
    public var queryWaitTimeoutSeconds = 30.0
    public var shutdownGraceSeconds = 10.0
    /// 0 disables the proxy's idle-in-transaction limit.
    public var idleInTransactionTimeoutSeconds = 300.0
    public var maxPreparedStatements = 200
    /// Transaction pooling: named statements one client may hold.
    public var maxClientStatements = 10_000
    /// Transaction pooling: bind repeated unnamed statements to shared server-side ones.
    public var cacheUnnamedStatements = true
    public var customerConnectionLimit = 64
    /// The statement policy; switching it off exists for benchmarks only.
    public var policyEnabled = true
    public var verdictCacheSize = 10_000
    public var logLevel = Logger.Level.info
    public var masterKeyBase64: String?
    public var masterKeyFile: String?
    public var operatorToken: String?
    public var operatorTokenFile: String?
    /// Several Sluice processes behind one address: this one's number (0-255),
    /// carried in its cancel keys ...
    public var instanceID: Int?
    /// ... and the others' client addresses by number (`peers = "1=10.0.0.2:6432,2=10.0.0.3:6432"`;
    /// this instance's own entry is skipped), so a cancel is passed on to the one that owns its key.
    public var peers: [Int: (host: String, port: Int)] = [:]

    public init() {}

    public enum Error: Swift.Error, CustomStringConvertible {
        case invalid(key: String, value: String, expected: String)
        case unreadable(path: String, reason: String)
        case secretInFile(key: String)
        case unknownKey(String)

        public var description: String {
            switch self {
            case .invalid(let key, let value, let expected): "configuration \(key)=\"\(value)\": expected \(expected)"
            case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
            case .secretInFile(let key): "\(key) is a secret: set it in the environment (SLUICE_\(key.uppercased())) or a *_file, not in the configuration file"
            case .unknownKey(let key): "unknown configuration key \"\(key)\""
            }
        }
    }

    static let secretKeys: Set<String> = ["master_key", "operator_token"]

    /// Reads the TOML file (if any), then the environment on top of it.
    public static func load(environment: [String: String], configFile: String?) throws -> SluiceConfiguration {
        var values: [String: String] = [:]
        if let configFile {
            let text: String
            do { text = try String(contentsOfFile: configFile, encoding: .utf8) } catch {
                throw Error.unreadable(path: configFile, reason: "\(error)")
            }
            let parsed = try FlatTOML.parse(text)
            for key in parsed.keys where secretKeys.contains(key) { throw Error.secretInFile(key: key) }
            values.merge(parsed) { $1 }
        }
        for (name, value) in environment where name.hasPrefix("SLUICE_") {
            values[String(name.dropFirst("SLUICE_".count)).lowercased()] = value
        }
        var configuration = SluiceConfiguration()
        try configuration.apply(values)
        try configuration.validate()
        return configuration
    }

    /// Settings that are valid alone but not together. TLS must never be off
    /// by accident: half a key pair, or TLS required with no certificate,
    /// would otherwise serve plain TCP.
    func validate() throws {
        switch (tlsCertificatePath, tlsKeyPath) {
        case (.some, nil):
            throw Error.invalid(key: "tls_key", value: "", expected: "the private key of tls_cert (both or neither)")
        case (nil, .some):
            throw Error.invalid(key: "tls_cert", value: "", expected: "the certificate of tls_key (both or neither)")
        default:
            break
        }
        if !peers.isEmpty && instanceID == nil {
            throw Error.invalid(key: "instance_id", value: "", expected: "this instance's number (0-255) when peers are set")
        }
        if tlsRequired && !tlsEnabled {
            throw Error.invalid(key: "tls_required", value: "true", expected: "tls_cert and tls_key to be set (TLS cannot be required without a certificate)")
        }
    }

    /// Keys the environment may carry that are not configuration (used by scripts).
    static let ignoredKeys: Set<String> = ["bin", "pid", "api", "api_key", "pg_port", "dev_env"]

    mutating func apply(_ values: [String: String]) throws {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "listen_host", "host": listenHost = value
            case "port": port = try Self.int(key, value, range: 0...65535)
            case "http_host": httpHost = value
            case "http_port": httpPort = try Self.int(key, value, range: 0...65535)
            case "public_host": publicHost = value
            case "public_port": publicPort = try Self.int(key, value, range: 1...65535)
            case "tls_cert": tlsCertificatePath = value.isEmpty ? nil : value
            case "tls_key": tlsKeyPath = value.isEmpty ? nil : value
            case "tls_required": tlsRequired = try Self.bool(key, value)
            case "upstream_ca": upstreamCAPath = value.isEmpty ? nil : value
            case "upstreams": upstreamURLs = value.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
            case "control_database": controlDatabase = value
            case "state_dir": stateDirectory = value
            case "auth_timeout": authTimeoutSeconds = try Self.seconds(key, value)
            case "partial_message_timeout": partialMessageTimeoutSeconds = try Self.seconds(key, value)
            case "max_message_length": maxMessageLength = try Self.int(key, value, range: 1024...(1 << 30))
            case "pool_size": poolSize = try Self.int(key, value, range: 1...10_000)
            case "threads": threads = try Self.int(key, value, range: 1...256)
            case "pool_min_idle": poolMinIdle = try Self.int(key, value, range: 0...10_000)
            case "upstream_pool_size": upstreamPoolSize = try Self.int(key, value, range: 0...100_000)
            case "pool_idle_timeout": poolIdleTimeoutSeconds = try Self.seconds(key, value)
            case "pool_max_lifetime": poolMaxLifetimeSeconds = try Self.seconds(key, value)
            case "query_wait_timeout": queryWaitTimeoutSeconds = try Self.seconds(key, value)
            case "shutdown_grace_period": shutdownGraceSeconds = try Self.seconds(key, value)
            case "idle_in_transaction_timeout", "idle_in_transaction_session_timeout":
                guard let number = Double(value), number >= 0 else {
                    throw Error.invalid(key: key, value: value, expected: "seconds (0 disables)")
                }
                idleInTransactionTimeoutSeconds = number
            case "max_prepared_statements": maxPreparedStatements = try Self.int(key, value, range: 1...100_000)
            case "max_client_statements": maxClientStatements = try Self.int(key, value, range: 1...1_000_000)
            case "cache_unnamed_statements": cacheUnnamedStatements = try Self.bool(key, value)
            case "policy": policyEnabled = try Self.bool(key, value)
            case "verdict_cache_size": verdictCacheSize = try Self.int(key, value, range: 2...10_000_000)
            case "customer_connection_limit": customerConnectionLimit = try Self.int(key, value, range: 1...10_000)
            case "instance_id": instanceID = value.isEmpty ? nil : try Self.int(key, value, range: 0...255)
            case "peers": peers = try Self.peers(key, value)
            case "log_level":
                guard let level = Logger.Level(rawValue: value.lowercased()) else {
                    throw Error.invalid(key: key, value: value, expected: "trace, debug, info, notice, warning, error or critical")
                }
                logLevel = level
            case "master_key": masterKeyBase64 = value
            case "master_key_file": masterKeyFile = value
            case "operator_token": operatorToken = value
            case "operator_token_file": operatorTokenFile = value
            default:
                if Self.ignoredKeys.contains(key) { continue }
                throw Error.unknownKey(key)
            }
        }
    }

    public var tlsEnabled: Bool { tlsCertificatePath != nil && tlsKeyPath != nil }
    public var advertisedPort: Int { publicPort ?? port }

    public func upstreams() throws -> [UpstreamServer] {
        var servers: [UpstreamServer] = []
        for (index, url) in upstreamURLs.enumerated() {
            guard let server = UpstreamServer(url: url, name: nil) ?? UpstreamServer(url: url, name: "upstream\(index + 1)") else {
                throw Error.invalid(key: "upstreams", value: "(entry \(index + 1))", expected: "postgresql://user:password@host:port/db URLs")
            }
            servers.append(server)
        }
        guard !servers.isEmpty else {
            throw Error.invalid(key: "upstreams", value: "", expected: "at least one upstream server URL (SLUICE_UPSTREAMS)")
        }
        return servers
    }

    private static func int(_ key: String, _ value: String, range: ClosedRange<Int>) throws -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw Error.invalid(key: key, value: value, expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// `number=host:port` entries, comma-separated (an IPv6 host in brackets).
    private static func peers(_ key: String, _ value: String) throws -> [Int: (host: String, port: Int)] {
        var peers: [Int: (host: String, port: Int)] = [:]
        for entry in value.split(separator: ",").map({ $0.trimmingWhitespace() }) where !entry.isEmpty {
            let invalid = Error.invalid(key: key, value: entry, expected: "number=host:port entries (number 0-255), comma-separated")
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let number = Int(parts[0]), (0...255).contains(number), peers[number] == nil,
                  let colon = parts[1].lastIndex(of: ":"), let port = Int(parts[1][parts[1].index(after: colon)...]),
                  (1...65535).contains(port) else { throw invalid }
            var host = String(parts[1][..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { throw invalid }
            peers[number] = (host, port)
        }
        return peers
    }

    private static func seconds(_ key: String, _ value: String) throws -> Double {
        guard let number = Double(value), number > 0, number <= 86_400 * 30 else {
            throw Error.invalid(key: key, value: value, expected: "a positive number of seconds")
        }
        return number
    }

    private static func bool(_ key: String, _ value: String) throws -> Bool {
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw Error.invalid(key: key, value: value, expected: "true or false")
        }
    }
}
