/// One name/value pair of a `StartupMessage`.
///
/// A struct rather than a tuple so that `StartupMessage` can be `Equatable`.
public struct StartupParameter: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
