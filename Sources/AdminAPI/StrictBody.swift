/// A request body whose members are all known, so that a member it does not
/// know is refused (400) instead of being silently ignored: a typo such as
/// `"terminate_session": true` must not rotate a password and leave the old
/// sessions open.
///
/// `Decodable`'s synthesized conformance ignores unknown keys; the decoder of
/// request bodies (`RequestBodyDecoder`) checks the top-level keys against
/// `fields` first, and a nested body type does the same in its own
/// `init(from:)` with `decoder.rejectUnknownKeys(Self.fields)`.
protocol StrictBody: Decodable, Sendable {
    /// Every member name the body may have.
    static var fields: Set<String> { get }
}

extension Decoder {
    /// Throws `UnknownFieldsError` when the object being decoded has a
    /// member outside `allowed`.
    func rejectUnknownKeys(_ allowed: Set<String>) throws {
        let container = try container(keyedBy: AnyCodingKey.self)
        let unknown = container.allKeys.map(\.stringValue).filter { !allowed.contains($0) }
        if !unknown.isEmpty {
            let path = codingPath.isEmpty ? "" : RequestBodyDecoder.path(codingPath)
            throw UnknownFieldsError(path: path, names: unknown.sorted())
        }
    }
}
