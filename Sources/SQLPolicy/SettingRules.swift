/// The rules for session settings, shared by `SET`, `RESET`,
/// `set_config(...)` and startup parameters.
public enum SettingRules {
    /// What a setting is being set to, as far as the parse tree tells.
    public enum Value: Sendable, Equatable {
        case literal(String)
        /// `DEFAULT`, `RESET name`, `RESET ALL`: back to the role's default.
        case reset
        /// Several values (a list), or one the tree cannot tell (an expression).
        case list([String])
        case unknown
    }

    /// Encodings only clients may use, in which a byte 0x5C can be part of a
    /// character: the parser would read a string differently from the server.
    /// Names are compared the way PostgreSQL compares them (lower case, only
    /// letters and digits), which also covers the aliases.
    static let forbiddenEncodings: Set<String> = [
        "sjis", "shiftjis", "mskanji", "win932", "windows932", "cp932",
        "shiftjis2004",
        "big5", "win950", "windows950", "cp950",
        "gbk", "win936", "windows936", "cp936",
        "uhc", "win949", "windows949", "cp949",
        "gb18030",
        "johab",
    ]

    static func normalizedEncoding(_ name: String) -> String {
        String(String.UnicodeScalarView(name.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }))
    }

    /// The denial reason for setting `name` to `value`, or nil when allowed.
    /// `name` is compared case-insensitively, as the server does.
    public static func judge(name rawName: String, value: Value) -> DenialReason? {
        let name = rawName.lowercased()
        switch name {
        case "search_path":
            switch value {
            case .reset: return nil
            case .literal(let text) where text.isEmpty: return nil
            case .list(let items) where items == [""]: return nil
            default: return .searchPath
            }
        case "role", "session_authorization":
            return .other
        case "standard_conforming_strings":
            switch value {
            case .reset: return nil
            case .literal(let text):
                // policy.md: "set to anything but `on`" is denied, to the letter
                // (PostgreSQL's synonyms true/yes/1 included).
                return text.lowercased().trimmingSpaces() == "on" ? nil : .other
            default: return .other
            }
        case "client_encoding":
            switch value {
            case .reset: return nil
            case .literal(let text):
                return forbiddenEncodings.contains(normalizedEncoding(text)) ? .other : nil
            default: return .other
            }
        default:
            return nil
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view = view.dropFirst() }
        while view.last == " " || view.last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
