import struct Foundation.Data

/// A successful answer of the HTTP API: the bytes as sent (for `--json`) and their parse.
public struct APIResponse: Sendable {
    public let status: Int
    public let body: Data
    public let json: JSONValue

    public init(status: Int, body: Data, json: JSONValue) {
        self.status = status
        self.body = body
        self.json = json
    }

    /// The body as text, exactly as the API sent it.
    public var text: String { String(decoding: body, as: UTF8.self) }
}
