import Foundation

/// Reads the `KEY=value` lines of `dev.env` as `sluice dev` writes them
/// (values single-quoted, `'\''` for a quote, when they hold shell-special characters).
public enum DevEnvFile {
    public static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals])
            values[key] = unquote(line[line.index(after: equals)...])
        }
        return values
    }

    /// Shell word unquoting for single quotes, double quotes (with `\"`, `\\`) and backslashes.
    static func unquote(_ word: Substring) -> String {
        var output = ""
        var iterator = word.makeIterator()
        while let character = iterator.next() {
            switch character {
            case "'":
                while let inner = iterator.next(), inner != "'" { output.append(inner) }
            case "\"":
                while let inner = iterator.next(), inner != "\"" {
                    if inner == "\\", let escaped = iterator.next() {
                        if !"\"\\$`".contains(escaped) { output.append("\\") }
                        output.append(escaped)
                    } else {
                        output.append(inner)
                    }
                }
            case "\\":
                if let escaped = iterator.next() { output.append(escaped) }
            default:
                output.append(character)
            }
        }
        return output
    }

    public static func load(path: String) -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return parse(String(decoding: data, as: UTF8.self))
    }
}
