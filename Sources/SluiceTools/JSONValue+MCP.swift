import MCP

extension JSONValue {
    /// The MCP SDK's value (objects become dictionaries: member order is lost;
    /// a number that fits neither Int nor a finite Double keeps its text as a string).
    public var mcpValue: Value {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .string(let value): return .string(value)
        case .number(let literal):
            if let integer = Int(literal) { return .int(integer) }
            if let double = Double(literal), double.isFinite { return .double(double) }
            return .string(literal)
        case .array(let values): return .array(values.map(\.mcpValue))
        case .object(let members):
            var object: [String: Value] = [:]
            for member in members { object[member.key] = member.value.mcpValue }
            return .object(object)
        }
    }

    /// From the MCP SDK's value (object members sorted by name, so the text is stable).
    public init(_ value: Value) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let integer): self = .number(String(integer))
        case .double(let double):
            if double.isFinite, let exact = Int(exactly: double), abs(double) < 1e15 {
                self = .number(String(exact))
            } else if double.isFinite {
                self = .number("\(double)")
            } else {
                self = .null
            }
        case .string(let text): self = .string(text)
        case .data(let mimeType, let data): self = .string(data.dataURLEncoded(mimeType: mimeType))
        case .array(let values): self = .array(values.map(JSONValue.init))
        case .object(let object):
            self = .object(object.sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) })
        }
    }
}
