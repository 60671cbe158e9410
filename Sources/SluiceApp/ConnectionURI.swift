import SluiceModel

/// Builds the connection URIs that `reveal` hands out (api.md).
public enum ConnectionURI {
    /// The database name every workspace is reached as.
    public static let database = "customer_db"

    /// `pooled: true` is transaction pooling (the default of the proxy);
    /// `false` adds the session-pooling switch in `options`.
    public static func make(
        role: RoleKind, workspace: WorkspaceID, password: String,
        host: String, port: Int, tls: Bool, pooled: Bool
    ) -> String {
        let user = "\(role.rawValue).\(workspace.rawValue)"
        var query = ["sslmode=\(tls ? "require" : "disable")"]
        if !pooled {
            query.append("options=" + percentEncode("-c sluice.pooling=session"))
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(percentEncode(user)):\(percentEncode(password))@\(hostPart):\(port)/\(database)?"
            + query.joined(separator: "&")
    }

    /// RFC 3986 percent-encoding of everything but unreserved characters.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
