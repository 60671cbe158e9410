/// The subset of TOML a Sluice configuration file uses: `key = value` lines
/// (strings, integers, booleans, arrays of strings), comments and blank lines.
/// Tables are not needed; an unsupported line is an error naming its number.
enum FlatTOML {
    enum ParseError: Error, CustomStringConvertible, Equatable {
        case invalidLine(Int, String)

        var description: String {
            switch self {
            case .invalidLine(let line, let reason): "configuration line \(line): \(reason)"
            }
        }
    }

    /// Values as strings (arrays joined by commas), keyed by lower-cased key.
    static func parse(_ text: String) throws(ParseError) -> [String: String] {
        var result: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = stripComment(rawLine).trimmingWhitespace()
            if line.isEmpty { continue }
            guard let equals = line.firstIndex(of: "=") else { throw .invalidLine(lineNumber, "expected key = value") }
            let key = line[..<equals].trimmingWhitespace().lowercased()
            let valueText = line[line.index(after: equals)...].trimmingWhitespace()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw .invalidLine(lineNumber, "invalid key")
            }
            result[key] = try parseValue(valueText, line: lineNumber)
        }
        return result
    }

    private static func parseValue(_ text: String, line: Int) throws(ParseError) -> String {
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw .invalidLine(line, "unterminated array") }
            let inner = text.dropFirst().dropLast()
            var items: [String] = []
            for item in inner.split(separator: ",") {
                let trimmed = String(item).trimmingWhitespace()
                if trimmed.isEmpty { continue }
                items.append(try parseScalar(trimmed, line: line))
            }
            return items.joined(separator: ",")
        }
        return try parseScalar(text, line: line)
    }

    private static func parseScalar(_ text: String, line: Int) throws(ParseError) -> String {
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else { throw .invalidLine(line, "unterminated string") }
            var out = ""
            var escaping = false
            for character in text.dropFirst().dropLast() {
                if escaping {
                    switch character {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "\\": out.append("\\")
                    case "\"": out.append("\"")
                    default: throw .invalidLine(line, "unsupported escape \\\(character)")
                    }
                    escaping = false
                } else if character == "\\" {
                    escaping = true
                } else {
                    out.append(character)
                }
            }
            return out
        }
        if text.hasPrefix("'") {
            guard text.count >= 2, text.hasSuffix("'") else { throw .invalidLine(line, "unterminated string") }
            return String(text.dropFirst().dropLast())
        }
        guard text == "true" || text == "false" || Int(text) != nil || Double(text) != nil else {
            throw .invalidLine(line, "values must be quoted strings, numbers, booleans or arrays")
        }
        return text
    }

    private static func stripComment(_ line: Substring) -> String {
        var inDouble = false
        var inSingle = false
        var out = ""
        for character in line {
            if character == "\"" && !inSingle { inDouble.toggle() }
            if character == "'" && !inDouble { inSingle.toggle() }
            if character == "#" && !inDouble && !inSingle { break }
            out.append(character)
        }
        return out
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
