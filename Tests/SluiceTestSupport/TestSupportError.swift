/// A test could not be set up (missing server, bad fixture); its description
/// is what the test report shows, so it says what to fix.
public struct TestSupportError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
