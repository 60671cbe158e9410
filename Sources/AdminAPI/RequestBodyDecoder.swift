import Foundation
import Hummingbird
import NIOCore

/// Reads and decodes request bodies the same way for every endpoint:
/// at most `maxBytes` (1 MiB) are read, else 413; the body must be one JSON
/// object (400 `invalid_json`); unknown members are refused (400
/// `unknown_field`); a missing member or one of the wrong type is 422
/// `validation_failed` with the member named in `details`.
///
/// The content type is not checked: curl's `-d` labels JSON as a form, and
/// refusing it would help nobody. An empty body counts as `{}`, so endpoints
/// whose members are all optional can be called without one.
struct RequestBodyDecoder: Sendable {
    /// api.md: "a body over 1 MiB is 413".
    static let maxBytes = 1 << 20

    var maxBytes: Int = RequestBodyDecoder.maxBytes

    func decode<Body: StrictBody>(_ type: Body.Type, from request: Request) async throws -> Body {
        var bytes: ByteBuffer
        do {
            bytes = try await request.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: maxBytes)
        }
        let data = Data(bytes.readBytes(length: bytes.readableBytes) ?? [])
        let isBlank = data.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        return try decode(type, from: isBlank ? Data("{}".utf8) : data)
    }

    func decode<Body: StrictBody>(_ type: Body.Type, from data: Data) throws -> Body {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Strict<Body>.self, from: data).body
        } catch let error as UnknownFieldsError {
            let prefix = error.path.isEmpty ? "" : error.path + "."
            let details = error.names.map { name in
                APIErrorDetail(field: prefix + Self.shown(name), message: "unknown field")
            }
            throw APIError.badRequest(
                code: "unknown_field",
                "the request has fields this endpoint does not define: "
                    + details.map(\.field).joined(separator: ", "),
                details: details
            )
        } catch let error as DecodingError {
            throw Self.mapped(error)
        } catch let error as APIError {
            throw error
        }
    }

    /// `DecodingError` → the API's answer, naming the field but never
    /// echoing a value (which could be a password pasted in the wrong place).
    static func mapped(_ error: DecodingError) -> APIError {
        switch error {
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty {
                return .badRequest(code: "invalid_json", "the request body must be a JSON object")
            }
            return .validation(field: path(context.codingPath), "must be \(describe(type))")
        case .valueNotFound(let type, let context):
            return .validation(field: path(context.codingPath), "must be \(describe(type)), not null")
        case .keyNotFound(let key, let context):
            return .validation(field: path(context.codingPath + [key]), "is required")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return .badRequest(code: "invalid_json", "the request body is not valid JSON")
            }
            return .validation(field: path(context.codingPath), "has an invalid value")
        @unknown default:
            return .badRequest(code: "invalid_json", "the request body could not be read")
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + shown(key.stringValue)
            }
        }
        return text.isEmpty ? "body" : text
    }

    /// Names and ids come from the client and are repeated in answers and
    /// logs, so only what looks like a name is repeated: lower-case ids up
    /// to 64 characters, or short `[A-Za-z0-9_.-]` words. Anything else (a
    /// key pasted in the wrong place) is replaced by its length.
    static func shown(_ name: String) -> String {
        let bytes = name.utf8
        if LogRedaction.isSafe(Substring(name)) && !bytes.isEmpty {
            return name
        }
        if (1...32).contains(bytes.count), bytes.allSatisfy({ RequestLogMiddleware.isIDByte($0) }) {
            return name
        }
        return "<\(name.count) characters>"
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: "a boolean"
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}

extension APIError {
    static func payloadTooLarge(limit: Int) -> APIError {
        APIError(
            .contentTooLarge, code: "payload_too_large",
            message: "the request body is larger than \(limit) bytes"
        )
    }
}
