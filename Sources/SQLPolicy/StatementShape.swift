/// A statement text's *shape*: the text with its plain constants replaced by
/// a marker of their token type (integer, decimal, string), everything else
/// kept byte for byte. `... WHERE aid = 17` and `... WHERE aid = 90210` have
/// one shape. It is a cache key (`VerdictCache`), never a decision: the
/// verdict stored under a shape is the parser's and walker's verdict on a
/// text of that shape.
///
/// Sound by being conservative: two texts with the same shape are the same
/// bytes except inside constants of the same token type, and the constants
/// it replaces are only those whose extent the PostgreSQL lexer agrees on
/// whatever their value: unsigned integers of at most 9 digits, decimals
/// `digits.digits`, and `'...'` strings without a prefix or a backslash.
/// Anything whose lexing it does not model exactly gives no shape (nil) and
/// the text is judged on its own: non-ASCII bytes, `$` (parameters and
/// dollar quotes), backslashes, `/*` comments, prefixed strings (`E'`, `B'`,
/// `X'`, `N'`, `U&'`), numbers touching a letter, `_`, `.` or `$` (`1e5`,
/// `1_000`, `.5`, `0x1F`). Quoted identifiers and `--` comments are kept
/// verbatim. `StatementShapeTests` checks it against the PostgreSQL scanner.
///
/// A single pass over the bytes, a fraction of a microsecond for a typical
/// statement: unlike the scanner it allocates nothing but the key.
enum StatementShape {
    static let integerMarker: [UInt8] = [0x01, UInt8(ascii: "I")]
    static let decimalMarker: [UInt8] = [0x01, UInt8(ascii: "F")]
    static let stringMarker: [UInt8] = [0x01, UInt8(ascii: "S")]

    static func key(_ text: String) -> [UInt8]? {
        if let shape = text.utf8.withContiguousStorageIfAvailable({ key($0) }) {
            return shape
        }
        return key(Array(text.utf8))
    }

    static func key<Bytes: RandomAccessCollection>(_ bytes: Bytes) -> [UInt8]? where Bytes.Element == UInt8, Bytes.Index == Int {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            switch byte {
            case 0x80...0xFF, UInt8(ascii: "$"), UInt8(ascii: "\\"), 0x00:
                return nil
            case UInt8(ascii: "\""):
                // A quoted identifier, verbatim ("" is a quote inside it).
                var cursor = index + 1
                while true {
                    guard cursor < end else { return nil }
                    if bytes[cursor] == UInt8(ascii: "\"") {
                        if cursor + 1 < end, bytes[cursor + 1] == UInt8(ascii: "\"") {
                            cursor += 2
                            continue
                        }
                        break
                    }
                    if bytes[cursor] >= 0x80 || bytes[cursor] == 0 { return nil }
                    cursor += 1
                }
                out.append(contentsOf: bytes[index...cursor])
                index = cursor + 1
            case UInt8(ascii: "'"):
                if index > bytes.startIndex {
                    let previous = bytes[index - 1]
                    if isIdentifierByte(previous) || previous == UInt8(ascii: "&") || previous == UInt8(ascii: "'") { return nil }
                }
                var cursor = index + 1
                while true {
                    guard cursor < end else { return nil }
                    let inner = bytes[cursor]
                    if inner == UInt8(ascii: "\\") || inner >= 0x80 || inner == 0 { return nil }
                    if inner == UInt8(ascii: "'") {
                        if cursor + 1 < end, bytes[cursor + 1] == UInt8(ascii: "'") {
                            cursor += 2
                            continue
                        }
                        break
                    }
                    cursor += 1
                }
                out.append(contentsOf: stringMarker)
                index = cursor + 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if index > bytes.startIndex, bytes[index - 1] == UInt8(ascii: ".") { return nil }
                var cursor = index
                while cursor < end, isDigit(bytes[cursor]) { cursor += 1 }
                var marker = integerMarker
                if cursor - index > 9 { return nil }
                if cursor < end, bytes[cursor] == UInt8(ascii: ".") {
                    guard cursor + 1 < end, isDigit(bytes[cursor + 1]) else { return nil }
                    cursor += 1
                    while cursor < end, isDigit(bytes[cursor]) { cursor += 1 }
                    marker = decimalMarker
                }
                if cursor < end, isIdentifierByte(bytes[cursor]) || bytes[cursor] == UInt8(ascii: ".") { return nil }
                out.append(contentsOf: marker)
                index = cursor
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
                // An identifier or keyword, digits and all, verbatim.
                var cursor = index
                while cursor < end, isIdentifierByte(bytes[cursor]) { cursor += 1 }
                if cursor < end, bytes[cursor] >= 0x80 { return nil }
                out.append(contentsOf: bytes[index..<cursor])
                index = cursor
            case UInt8(ascii: "-") where index + 1 < end && bytes[index + 1] == UInt8(ascii: "-"):
                // A comment to the end of the line, verbatim.
                var cursor = index
                while cursor < end, bytes[cursor] != 0x0A, bytes[cursor] != 0x0D {
                    if bytes[cursor] >= 0x80 || bytes[cursor] == 0 { return nil }
                    cursor += 1
                }
                out.append(contentsOf: bytes[index..<cursor])
                index = cursor
            case UInt8(ascii: "/") where index + 1 < end && bytes[index + 1] == UInt8(ascii: "*"):
                return nil
            default:
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
    }
}
