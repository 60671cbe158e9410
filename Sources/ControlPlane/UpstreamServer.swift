import Foundation

/// A PostgreSQL server that hosts workspace databases (and possibly the
/// control database), with the superuser login the control plane administers
/// it with.
///
/// The description redacts the password so a configuration can be logged.
public struct UpstreamServer: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The name workspaces refer to in `workspaces.upstream`; keep it stable.
    public var name: String
    public var host: String
    public var port: Int
    /// A superuser (or a role with CREATEROLE and CREATEDB that can also
    /// grant on languages); provisioning needs it.
    public var adminUser: String
    public var adminPassword: String?
    /// The database the admin connects to for cluster-wide work.
    public var adminDatabase: String
    /// Require TLS, verifying the server certificate and host name.
    public var tls: Bool

    public init(
        name: String,
        host: String,
        port: Int = 5432,
        adminUser: String,
        adminPassword: String?,
        adminDatabase: String = "postgres",
        tls: Bool = false
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.adminUser = adminUser
        self.adminPassword = adminPassword
        self.adminDatabase = adminDatabase
        self.tls = tls
    }

    /// Parses `postgresql://user:pass@host:port/db?name=primary&sslmode=require`.
    ///
    /// User, password and database are percent-decoded. The upstream's name is
    /// the URL's `name` parameter, else `name`, else `"default"`. `sslmode`
    /// `require`, `verify-ca` and `verify-full` turn `tls` on; `disable`,
    /// `allow`, `prefer` or none leave it off. Returns nil for anything that is
    /// not such a URL (unknown scheme, no user, bad port, bad escapes), so a
    /// typo fails at startup instead of connecting somewhere unexpected.
    public init?(url: String, name: String? = nil) {
        let lowered = url.lowercased()
        let rest: Substring
        if lowered.hasPrefix("postgresql://") {
            rest = url.dropFirst("postgresql://".count)
        } else if lowered.hasPrefix("postgres://") {
            rest = url.dropFirst("postgres://".count)
        } else {
            return nil
        }

        var withoutFragment = rest
        if let hash = withoutFragment.firstIndex(of: "#") {
            withoutFragment = withoutFragment[..<hash]
        }
        var queryPart: Substring = ""
        var beforeQuery = withoutFragment
        if let question = withoutFragment.firstIndex(of: "?") {
            queryPart = withoutFragment[withoutFragment.index(after: question)...]
            beforeQuery = withoutFragment[..<question]
        }
        var authority = beforeQuery
        var pathPart: Substring = ""
        if let slash = beforeQuery.firstIndex(of: "/") {
            authority = beforeQuery[..<slash]
            pathPart = beforeQuery[beforeQuery.index(after: slash)...]
        }

        // user[:password]@host[:port]; the last "@" ends the user info, since
        // an unescaped "@" can only belong to a password.
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]

        let rawUser: Substring
        var password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            rawUser = userInfo[..<colon]
            guard let decoded = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding else {
                return nil
            }
            password = decoded
        } else {
            rawUser = userInfo
        }
        guard let user = String(rawUser).removingPercentEncoding, !user.isEmpty else { return nil }

        var host: String
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return nil }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let afterBracket = hostPort[hostPort.index(after: close)...]
            if !afterBracket.isEmpty {
                guard afterBracket.hasPrefix(":") else { return nil }
                portText = afterBracket.dropFirst()
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            host = String(hostPort[..<colon])
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = String(hostPort)
        }
        guard let decodedHost = host.removingPercentEncoding, !decodedHost.isEmpty else { return nil }
        host = decodedHost

        var port = 5432
        if let portText {
            guard let parsed = Int(portText), (1...65_535).contains(parsed) else { return nil }
            port = parsed
        }

        var database = "postgres"
        if !pathPart.isEmpty {
            guard let decoded = String(pathPart).removingPercentEncoding, !decoded.isEmpty else { return nil }
            database = decoded
        }

        var upstreamName = name ?? "default"
        var tls = false
        for pair in queryPart.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = String(parts[0]).removingPercentEncoding else { return nil }
            let rawValue = parts.count > 1 ? String(parts[1]) : ""
            guard let value = rawValue.removingPercentEncoding else {
                return nil
            }
            switch key {
            case "name":
                guard !value.isEmpty else { return nil }
                upstreamName = value
            case "sslmode":
                switch value {
                case "require", "verify-ca", "verify-full": tls = true
                case "disable", "allow", "prefer": tls = false
                default: return nil
                }
            default:
                continue
            }
        }

        self.init(
            name: upstreamName,
            host: host,
            port: port,
            adminUser: user,
            adminPassword: password,
            adminDatabase: database,
            tls: tls
        )
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let secret = adminPassword == nil ? "" : ":<redacted>"
        return "\(name)=postgresql://\(adminUser)\(secret)@\(shownHost):\(port)/\(adminDatabase)\(tls ? "?sslmode=verify-full" : "")"
    }

    public var debugDescription: String { description }
}
