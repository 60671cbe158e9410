/// Keeps secrets out of access log lines.
///
/// A path segment is logged only when it looks like an id: lower-case
/// letters, digits and `_ . -`, at most 64 characters. Every generated secret
/// (passwords, API keys, the operator token) mixes upper and lower case, so
/// one pasted into a URL by mistake is masked rather than written down.
enum LogRedaction {
    static func path(_ path: String) -> String {
        guard path.utf8.count <= 2048 else { return "<long path>" }
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { segment in isSafe(segment) ? String(segment) : "*" }
            .joined(separator: "/")
    }

    static func isSafe(_ segment: Substring) -> Bool {
        segment.utf8.count <= 64 && segment.utf8.allSatisfy { isPlain($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    /// `[a-z0-9_]`.
    static func isPlain(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "_")
    }
}
