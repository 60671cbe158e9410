import Foundation

/// Any JSON value a client sent where the API accepts several types (a
/// parameter `default`, the arguments of an invocation), decoded so that
/// integers stay exact and the API can say which type it expected.
enum JSONInput: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// A number that is not an Int64 (a fraction, an exponent, a large value).
    case number(Double)
    case string(String)
    case array
    case object

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if (try? container.decode([JSONInput].self)) != nil {
            self = .array
        } else {
            self = .object
        }
    }

    /// The value as JSON text (for storing a default), nil for null and containers.
    var jsonText: String? {
        switch self {
        case .null, .array, .object: nil
        case .bool(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        case .number(let value): value.isFinite ? "\(value)" : nil
        case .string(let value):
            (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Reads JSON text written by `jsonText`.
    init?(jsonText: String) {
        guard let value = try? JSONDecoder().decode(JSONInput.self, from: Data(jsonText.utf8)) else { return nil }
        self = value
    }

    var node: JSONNode {
        switch self {
        case .null, .array, .object: .null
        case .bool(let value): .bool(value)
        case .integer(let value): .integer(Int(value))
        case .number(let value): .number(value)
        case .string(let value): .string(value)
        }
    }

    /// "a string", "an integer"... for messages.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
