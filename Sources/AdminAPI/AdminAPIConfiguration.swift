/// Where the HTTP API listens and what it trusts.
public struct AdminAPIConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int
    /// The operator token (`SLUICE_OPERATOR_TOKEN`); nil disables the
    /// operator endpoints (every operator request is then 401).
    public var operatorToken: String?
    /// How long `/readyz` waits for the store and the upstreams.
    public var readinessTimeout: Duration

    public init(host: String = "127.0.0.1", port: Int = 8080, operatorToken: String?, readinessTimeout: Duration = .seconds(5)) {
        self.host = host
        self.port = port
        self.operatorToken = operatorToken
        self.readinessTimeout = readinessTimeout
    }
}
