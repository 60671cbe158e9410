import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceModel

/// Writes a statement's result as the agent-tool JSON of api.md:
///
///     {"command": "SELECT", "columns": [{"name", "type"}], "rows": [[...]],
///      "row_count": 2, "truncated": false, "elapsed_ms": 1.3}
///
/// Written by hand rather than through `JSONEncoder` because values must
/// keep the server's exact text: a `numeric` of 30 digits stays those digits
/// (JSON numbers have no precision limit; Swift's Double does), and a jsonb
/// value is embedded as the JSON it already is.
struct QueryResultJSON: ResponseGenerator, Sendable {
    var result: QueryResult
    /// Members written before the result's own (`query_id`, `name` of a data query).
    var leading: [(String, String)] = []
    /// The agent tool answers with `command`; a data query's invoke does not
    /// (api.md lists its members without it).
    var includesCommand = true

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes())))
    }

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(UInt8(ascii: "{"))
        for (key, value) in leading {
            Self.string(key, into: &out)
            out.append(UInt8(ascii: ":"))
            Self.string(value, into: &out)
            out.append(UInt8(ascii: ","))
        }
        if includesCommand {
            Self.raw(#""command":"#, into: &out)
            Self.string(result.command, into: &out)
            out.append(UInt8(ascii: ","))
        }
        Self.raw(#""columns":["#, into: &out)
        for (index, column) in result.columns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            Self.raw(#"{"name":"#, into: &out)
            Self.string(column.name, into: &out)
            Self.raw(#","type":"#, into: &out)
            Self.string(column.type, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        Self.raw(#"],"rows":["#, into: &out)
        for (rowIndex, row) in result.rows.enumerated() {
            if rowIndex > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            for (index, value) in row.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.value(value, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        Self.raw(#"],"row_count":"#, into: &out)
        Self.raw(String(result.rowCount), into: &out)
        Self.raw(#","truncated":"#, into: &out)
        Self.raw(result.truncated ? "true" : "false", into: &out)
        Self.raw(#","elapsed_ms":"#, into: &out)
        Self.raw(String(format: "%.3f", result.elapsedMilliseconds), into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func value(_ value: QueryValue, into out: inout [UInt8]) {
        switch value {
        case .null:
            raw("null", into: &out)
        case .bool(let flag):
            raw(flag ? "true" : "false", into: &out)
        case .number(let text), .json(let text):
            // Both are JSON already: `.number` holds JSON number text only
            // (the proxy's decoder sends NaN and infinities as `.string`), and
            // json/jsonb output is JSON because the server validates it on input.
            raw(text, into: &out)
        case .string(let text):
            string(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                self.value(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    static func raw(_ text: String, into out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string literal, escaping what RFC 8259 requires.
    static func string(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"", into: &out)
            case UInt8(ascii: "\\"): raw("\\\\", into: &out)
            case 0x0A: raw("\\n", into: &out)
            case 0x0D: raw("\\r", into: &out)
            case 0x09: raw("\\t", into: &out)
            case 0..<0x20:
                raw("\\u00", into: &out)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
