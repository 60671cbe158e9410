import Foundation

/// The encoder of every response body: ISO 8601 dates, and slashes left
/// unescaped so revealed URIs read as they will be pasted, and keys sorted
/// so the same answer is always the same bytes.
enum JSONResponseEncoder {
    /// `JSONEncoder` is safe to share once configured.
    static let shared: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
