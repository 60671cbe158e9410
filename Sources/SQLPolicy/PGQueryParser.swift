import CPGQuery

/// The PostgreSQL 15 parser (libpg_query); with `PGQueryScanner`, the only
/// code that touches the library.
enum PGQueryParser {
    struct SyntaxError: Error, Equatable {
        var message: String
        /// 1-based character position, as the server reports it.
        var position: Int?
    }

    enum Outcome {
        case tree(JSONValue)
        case syntaxError(SyntaxError)
    }

    /// Parses `sql`; the JSON tree has a `stmts` array of `RawStmt`s.
    static func parse(_ sql: String) -> Outcome {
        // libpg_query reads a C string: text with a NUL would be cut short there,
        // so the parser would judge less than the server receives. Refuse it.
        if sql.utf8.contains(0) {
            return .syntaxError(SyntaxError(message: "invalid byte sequence: the query contains a NUL byte", position: nil))
        }
        let result = pg_query_parse(sql)
        defer { pg_query_free_parse_result(result) }
        if let error = result.error {
            let message = error.pointee.message.map { String(cString: $0) } ?? "syntax error"
            let position = Int(error.pointee.cursorpos)
            return .syntaxError(SyntaxError(message: message, position: position > 0 ? position : nil))
        }
        guard let tree = result.parse_tree else {
            return .syntaxError(SyntaxError(message: "the parser returned no tree", position: nil))
        }
        do {
            return .tree(try JSONDecoderLite.decode(String(cString: tree)))
        } catch {
            return .syntaxError(SyntaxError(message: "the parser's output could not be read", position: nil))
        }
    }
}

extension PGQueryParser {
    /// libpg_query's fingerprint: the same for statements that differ only in
    /// constants, so denials can be logged and grouped without their values.
    static func fingerprint(_ sql: String) -> String? {
        guard !sql.utf8.contains(0) else { return nil }
        let result = pg_query_fingerprint(sql)
        defer { pg_query_free_fingerprint_result(result) }
        guard result.error == nil, let text = result.fingerprint_str else { return nil }
        return String(cString: text)
    }
}
