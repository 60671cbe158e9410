import CPGQuery

/// The PostgreSQL 15 lexer (libpg_query's `pg_query_scan`): the tokens of a
/// text with their byte ranges, exactly as the server's own scanner splits
/// them, so a `:` inside a string, a quoted identifier or a comment is never
/// mistaken for anything else.
enum PGQueryScanner {
    struct Token: Equatable {
        /// Byte range in the UTF-8 text.
        var start: Int
        var end: Int
        /// libpg_query's `Token` enum: an ASCII character is its own code
        /// (`:` is 58); `IDENT` is 258, `PARAM` 267, `TYPECAST` 268.
        var kind: Int
        /// Non-zero when the token is a keyword (of any category).
        var keywordKind: Int
    }

    static let colon = 58
    static let ident = 258
    static let param = 267

    enum Outcome {
        case tokens([Token])
        case error(message: String, position: Int?)
    }

    static func scan(_ sql: String) -> Outcome {
        if sql.utf8.contains(0) {
            return .error(message: "invalid byte sequence: the query contains a NUL byte", position: nil)
        }
        let result = pg_query_scan(sql)
        defer { pg_query_free_scan_result(result) }
        if let error = result.error {
            let message = error.pointee.message.map { String(cString: $0) } ?? "syntax error"
            let position = Int(error.pointee.cursorpos)
            return .error(message: message, position: position > 0 ? position : nil)
        }
        guard let data = result.pbuf.data else { return .tokens([]) }
        let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(data), count: Int(result.pbuf.len))
        guard let tokens = decodeScanResult(bytes) else {
            return .error(message: "the scanner's output could not be read", position: nil)
        }
        return .tokens(tokens)
    }

    /// Reads the `ScanResult` protobuf (pg_query.proto): field 2 repeats
    /// `ScanToken {start = 1; end = 2; token = 4; keyword_kind = 5}`.
    static func decodeScanResult(_ bytes: UnsafeRawBufferPointer) -> [Token]? {
        var reader = ProtobufReader(bytes: bytes, index: 0, end: bytes.count)
        var tokens: [Token] = []
        while !reader.atEnd {
            guard let (field, wire) = reader.key() else { return nil }
            if field == 2 && wire == 2 {
                guard let length = reader.varint(), var inner = reader.sub(length: Int(length)) else { return nil }
                var token = Token(start: 0, end: 0, kind: 0, keywordKind: 0)
                while !inner.atEnd {
                    guard let (innerField, innerWire) = inner.key() else { return nil }
                    guard innerWire == 0, let value = inner.varint() else {
                        guard inner.skip(wire: innerWire) else { return nil }
                        continue
                    }
                    switch innerField {
                    case 1: token.start = Int(truncatingIfNeeded: value)
                    case 2: token.end = Int(truncatingIfNeeded: value)
                    case 4: token.kind = Int(truncatingIfNeeded: value)
                    case 5: token.keywordKind = Int(truncatingIfNeeded: value)
                    default: break
                    }
                }
                tokens.append(token)
            } else if !reader.skip(wire: wire) {
                return nil
            }
        }
        return tokens
    }
}

/// Just enough of the protobuf wire format for `ScanResult`.
private struct ProtobufReader {
    let bytes: UnsafeRawBufferPointer
    var index: Int
    let end: Int

    var atEnd: Bool { index >= end }

    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < end, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    mutating func key() -> (field: Int, wire: Int)? {
        guard let key = varint() else { return nil }
        return (Int(key >> 3), Int(key & 7))
    }

    mutating func sub(length: Int) -> ProtobufReader? {
        guard length >= 0, index + length <= end else { return nil }
        defer { index += length }
        return ProtobufReader(bytes: bytes, index: index, end: index + length)
    }

    mutating func skip(wire: Int) -> Bool {
        switch wire {
        case 0: return varint() != nil
        case 1: index += 8
        case 2:
            guard let length = varint(), sub(length: Int(length)) != nil else { return false }
            return true
        case 5: index += 4
        default: return false
        }
        return index <= end
    }
}
