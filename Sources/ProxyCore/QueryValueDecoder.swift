import SluiceModel

/// Turns a text-format result value into the `QueryValue` JSON will carry,
/// chosen by the column's type OID. Pure; every input gives an answer (what
/// it cannot read exactly stays text).
///
/// It assumes the settings the workspace query executor gives every
/// statement: `DateStyle = 'ISO, MDY'`, `TimeZone = 'UTC'`,
/// `IntervalStyle = 'postgres'`.
public enum QueryValueDecoder {
    /// The value of one column; `text` nil is SQL NULL.
    public static func decode(_ text: String?, typeOID: UInt32) -> QueryValue {
        guard let text else { return .null }
        if let element = arrayElementType[typeOID] {
            guard let elements = ArrayTextParser.parse(text) else { return .string(text) }
            return elements.value(element: element)
        }
        return scalar(text, typeOID: typeOID)
    }

    /// Array type OID → element type OID, for the arrays decoded element by element.
    static let arrayElementType: [UInt32: UInt32] = [
        1000: 16,  // _bool
        1003: 19,  // _name
        1005: 21,  // _int2
        1007: 23,  // _int4
        1009: 25,  // _text
        1014: 1042,  // _bpchar
        1015: 1043,  // _varchar
        1016: 20,  // _int8
        1021: 700,  // _float4
        1022: 701,  // _float8
        1028: 26,  // _oid
        1115: 1114,  // _timestamp
        1182: 1082,  // _date
        1185: 1184,  // _timestamptz
        1231: 1700,  // _numeric
        2951: 2950,  // _uuid
        3807: 3802,  // _jsonb
        199: 114,  // _json
    ]

    static func scalar(_ text: String, typeOID: UInt32) -> QueryValue {
        switch typeOID {
        case 16:  // bool
            switch text {
            case "t": return .bool(true)
            case "f": return .bool(false)
            default: return .string(text)
            }
        case 20, 21, 23, 26, 700, 701, 1700:  // int8, int2, int4, oid, float4, float8, numeric
            return isJSONNumber(text) ? .number(text) : .string(text)
        case 114, 3802:  // json, jsonb
            return .json(text)
        case 1184:  // timestamptz
            return .string(isoTimestamp(text, withZone: true) ?? text)
        case 1114:  // timestamp
            return .string(isoTimestamp(text, withZone: false) ?? text)
        default:
            return .string(text)
        }
    }

    /// True when `text` is a number as JSON writes it (NaN, Infinity and
    /// anything else PostgreSQL might print are not).
    static func isJSONNumber(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        func digits(_ bytes: inout Substring.UTF8View.SubSequence) -> Int {
            let count = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        let first = bytes.first
        let integer = digits(&bytes)
        guard integer > 0, !(integer > 1 && first == UInt8(ascii: "0")) else { return false }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits(&bytes) > 0 else { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits(&bytes) > 0 else { return false }
        }
        return bytes.isEmpty
    }

    /// `2024-01-02 03:04:05.123+00` → `2024-01-02T03:04:05.123+00:00`
    /// (`withZone`), `2024-01-02 03:04:05` → `2024-01-02T03:04:05`. Nil for
    /// anything else (infinity, BC dates, years past 9999, an offset with
    /// seconds, which ISO 8601 cannot write): the caller keeps the text.
    static func isoTimestamp(_ text: String, withZone: Bool) -> String? {
        let bytes = Array(text.utf8)
        func isDigit(_ index: Int) -> Bool {
            index < bytes.count && bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9")
        }
        func allDigits(_ indices: [Int]) -> Bool { indices.allSatisfy(isDigit) }
        // YYYY-MM-DD HH:MM:SS
        guard bytes.count >= 19, allDigits([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]),
              bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: " "),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return nil }
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while isDigit(index) { index += 1 }
            guard index > start else { return nil }
        }
        var result = bytes[..<10] + [UInt8(ascii: "T")] + bytes[11..<index]
        guard withZone else {
            return index == bytes.count ? String(decoding: result, as: UTF8.self) : nil
        }
        // ±HH or ±HH:MM (PostgreSQL prints ±HH:MM:SS for odd historical zones: kept as text).
        guard index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"),
              allDigits([index + 1, index + 2])
        else { return nil }
        result += bytes[index...(index + 2)]
        index += 3
        if index == bytes.count {
            result += Array(":00".utf8)
        } else if index + 3 == bytes.count, bytes[index] == UInt8(ascii: ":"), allDigits([index + 1, index + 2]) {
            result += bytes[index...]
        } else {
            return nil
        }
        return String(decoding: result, as: UTF8.self)
    }
}

/// PostgreSQL's array output: `{1,2,NULL}`, `{"a b","c\"d"}`, `{{1,2},{3,4}}`,
/// with an optional bounds prefix (`[0:1]={1,2}`).
enum ArrayTextParser {
    indirect enum Element: Equatable {
        case null
        /// `quoted`: it was written in double quotes (so `NULL` is text).
        case text(String, quoted: Bool)
        case array([Element])

        func value(element: UInt32) -> QueryValue {
            switch self {
            case .null: .null
            case .text(let text, _): QueryValueDecoder.scalar(text, typeOID: element)
            case .array(let elements): .array(elements.map { $0.value(element: element) })
            }
        }
    }

    /// The outermost array, or nil when `text` is not array output.
    static func parse(_ text: String) -> Element? {
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "[") {
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            bytes = bytes[(equals + 1)...]
        }
        guard let array = parseArray(&bytes, depth: 0), bytes.isEmpty else { return nil }
        return array
    }

    private static let maxDepth = 16

    private static func parseArray(_ bytes: inout ArraySlice<UInt8>, depth: Int) -> Element? {
        guard depth < maxDepth, bytes.first == UInt8(ascii: "{") else { return nil }
        bytes = bytes.dropFirst()
        var elements: [Element] = []
        if bytes.first == UInt8(ascii: "}") {
            bytes = bytes.dropFirst()
            return .array([])
        }
        while true {
            skipSpaces(&bytes)
            guard let first = bytes.first else { return nil }
            switch first {
            case UInt8(ascii: "{"):
                guard let nested = parseArray(&bytes, depth: depth + 1) else { return nil }
                elements.append(nested)
            case UInt8(ascii: "\""):
                bytes = bytes.dropFirst()
                var value: [UInt8] = []
                var closed = false
                while let byte = bytes.first {
                    bytes = bytes.dropFirst()
                    if byte == UInt8(ascii: "\\") {
                        guard let escaped = bytes.first else { return nil }
                        value.append(escaped)
                        bytes = bytes.dropFirst()
                    } else if byte == UInt8(ascii: "\"") {
                        closed = true
                        break
                    } else {
                        value.append(byte)
                    }
                }
                guard closed else { return nil }
                elements.append(.text(String(decoding: value, as: UTF8.self), quoted: true))
            default:
                var value: [UInt8] = []
                while let byte = bytes.first, byte != UInt8(ascii: ","), byte != UInt8(ascii: "}") {
                    guard byte != UInt8(ascii: "{"), byte != UInt8(ascii: "\"") else { return nil }
                    if byte == UInt8(ascii: "\\") {
                        bytes = bytes.dropFirst()
                        guard let escaped = bytes.first else { return nil }
                        value.append(escaped)
                    } else {
                        value.append(byte)
                    }
                    bytes = bytes.dropFirst()
                }
                while let last = value.last, last == UInt8(ascii: " ") { value.removeLast() }
                guard !value.isEmpty else { return nil }
                let text = String(decoding: value, as: UTF8.self)
                elements.append(text.uppercased() == "NULL" ? .null : .text(text, quoted: false))
            }
            skipSpaces(&bytes)
            guard let separator = bytes.first else { return nil }
            bytes = bytes.dropFirst()
            if separator == UInt8(ascii: "}") { return .array(elements) }
            guard separator == UInt8(ascii: ",") else { return nil }
        }
    }

    private static func skipSpaces(_ bytes: inout ArraySlice<UInt8>) {
        while bytes.first == UInt8(ascii: " ") { bytes = bytes.dropFirst() }
    }
}
