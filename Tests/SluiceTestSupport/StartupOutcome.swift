import PGWire

/// What a server (or the proxy) said while a `RawWireClient` logged in:
/// the greeting a driver would keep.
public struct StartupOutcome: Sendable {
    /// Every `ParameterStatus`, later values replacing earlier ones.
    public var parameters: [String: String]
    /// The cancel key handed to the client (nil if the server sent none).
    public var backendKey: BackendKeyData?
    /// Everything after `AuthenticationOk` up to and including `ReadyForQuery`, in order.
    public var messages: [BackendMessage]

    public init(parameters: [String: String], backendKey: BackendKeyData?, messages: [BackendMessage]) {
        self.parameters = parameters
        self.backendKey = backendKey
        self.messages = messages
    }
}
