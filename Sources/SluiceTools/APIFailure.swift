/// An error answer of the HTTP API: `{"error": {"status", "code", "message", "sqlstate"?, "hint"?, "details"?}}`.
public struct APIFailure: Sendable, Equatable {
    public var status: Int
    public var code: String
    public var message: String
    public var sqlstate: String?
    public var hint: String?
    public var details: [(field: String, message: String)]
    /// The `error` object as the API sent it (or one built from the fields above).
    public var body: JSONValue

    public static func == (lhs: APIFailure, rhs: APIFailure) -> Bool { lhs.body == rhs.body && lhs.status == rhs.status }

    public init(status: Int, code: String, message: String, sqlstate: String? = nil, hint: String? = nil,
                details: [(field: String, message: String)] = [], body: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.sqlstate = sqlstate
        self.hint = hint
        self.details = details
        var members: [(key: String, value: JSONValue)] = [
            ("status", .number(String(status))), ("code", .string(code)), ("message", .string(message)),
        ]
        if let sqlstate { members.append(("sqlstate", .string(sqlstate))) }
        if let hint { members.append(("hint", .string(hint))) }
        self.body = body ?? .object(members)
    }

    /// Reads an error envelope; nil when the body is not one.
    public init?(status: Int, envelope: JSONValue) {
        guard let error = envelope["error"], let message = error["message"]?.string else { return nil }
        let details = (error["details"]?.array ?? []).compactMap { detail -> (field: String, message: String)? in
            guard let message = detail["message"]?.string else { return nil }
            return (detail["field"]?.string ?? "", message)
        }
        self.init(
            status: error["status"]?.int ?? status, code: error["code"]?.string ?? "error", message: message,
            sqlstate: error["sqlstate"]?.string, hint: error["hint"]?.string, details: details, body: error
        )
    }

    /// One line for people and agents: the API's message, its SQLSTATE, then hint and details.
    public var summary: String {
        var text = message
        if let sqlstate { text += " (SQLSTATE \(sqlstate))" }
        if let hint { text += "\nhint: \(hint)" }
        for detail in details {
            text += "\n  " + (detail.field.isEmpty ? detail.message : "\(detail.field): \(detail.message)")
        }
        return text
    }
}
