/// A data query's SQL template with its `:name` placeholders turned into
/// bind parameters `$1`, `$2`, ... (workspace-data-queries, api.md).
///
/// Placeholders are found with the PostgreSQL scanner, never by searching
/// the text: a `:` token immediately followed by an unquoted identifier or
/// keyword. So `':not_a_param'` (a string), `"a:b"` (a quoted identifier),
/// `-- :x` (a comment) and `x::text` (a cast, one `::` token) hold none.
/// Values are never spliced into the text: each name becomes one `$n`, the
/// same `$n` wherever the name repeats.
public struct DataQueryTemplate: Sendable, Equatable {
    /// The template with each placeholder replaced by `$n`.
    public let sql: String
    /// Placeholder names in `$n` order: `names[0]` is `$1`.
    public let names: [String]

    public enum Failure: Error, Sendable, Equatable {
        /// The scanner rejected the text (unterminated string or comment...).
        case syntax(message: String, position: Int?)
        /// A `$1` in the template: parameters are named (`:name`) here.
        case positionalParameter(position: Int)
    }

    public static func compile(_ template: String) -> Result<DataQueryTemplate, Failure> {
        let tokens: [PGQueryScanner.Token]
        switch PGQueryScanner.scan(template) {
        case .error(let message, let position):
            return .failure(.syntax(message: message, position: position))
        case .tokens(let scanned):
            tokens = scanned
        }
        let bytes = Array(template.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var names: [String] = []
        var copied = 0
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            if token.kind == PGQueryScanner.param {
                return .failure(.positionalParameter(position: characterPosition(bytes, token.start)))
            }
            if token.kind == PGQueryScanner.colon, index + 1 < tokens.count {
                let next = tokens[index + 1]
                if next.start == token.end, isBareName(next, bytes) {
                    let name = String(decoding: bytes[next.start..<next.end], as: UTF8.self)
                    let number: Int
                    if let existing = names.firstIndex(of: name) {
                        number = existing + 1
                    } else {
                        names.append(name)
                        number = names.count
                    }
                    output.append(contentsOf: bytes[copied..<token.start])
                    output.append(contentsOf: Array("$\(number)".utf8))
                    copied = next.end
                    index += 2
                    continue
                }
            }
            index += 1
        }
        output.append(contentsOf: bytes[copied...])
        return .success(DataQueryTemplate(sql: String(decoding: output, as: UTF8.self), names: names))
    }

    /// An identifier or keyword written without quotes.
    private static func isBareName(_ token: PGQueryScanner.Token, _ bytes: [UInt8]) -> Bool {
        guard token.kind == PGQueryScanner.ident || token.keywordKind != 0 else { return false }
        guard token.start < token.end, token.end <= bytes.count else { return false }
        let first = bytes[token.start]
        return (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"))
            || (first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z"))
            || first == UInt8(ascii: "_")
    }

    /// The 1-based character position of a byte offset, as the server reports positions.
    private static func characterPosition(_ bytes: [UInt8], _ offset: Int) -> Int {
        String(decoding: bytes[0..<min(offset, bytes.count)], as: UTF8.self).count + 1
    }
}
