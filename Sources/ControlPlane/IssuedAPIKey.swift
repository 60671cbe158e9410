/// A freshly created API key: its record and the key itself.
///
/// The only value in the system that ever holds a workspace key in clear; it
/// is handed to the caller once and never stored, and its description hides
/// the key so that logging it by accident leaks nothing.
public struct IssuedAPIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public var record: APIKeyRecord
    /// The bearer token (`sluice_<id>_<secret>`).
    public var key: String

    public init(record: APIKeyRecord, key: String) {
        self.record = record
        self.key = key
    }

    public var description: String {
        "IssuedAPIKey(id: \(record.id), workspace: \(record.workspace), permission: \(record.permission.rawValue), key: <redacted>)"
    }

    public var debugDescription: String { description }
}
