import NIOCore
import NIOSSL
import SluicePool

/// Everything the proxy listener needs, resolved by the composition root.
public struct ProxyConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Present when the proxy terminates TLS.
    public var tls: TLSSettings?
    /// Refuse clients that do not negotiate TLS (only meaningful with `tls`).
    public var tlsRequired: Bool
    /// Largest client message accepted after startup (PostgreSQL's own limit is 1 GiB).
    public var maxMessageLength: Int
    /// A client must finish startup and authentication within this time.
    public var authTimeout: TimeAmount
    /// A client that stops sending in the middle of a message is closed after this.
    public var partialMessageTimeout: TimeAmount
    public var pool: PoolConfiguration
    /// Open sessions may finish for this long after shutdown begins.
    public var shutdownGracePeriod: TimeAmount
    /// Keys decoy SCRAM verifiers for unknown users (see `SCRAMVerifier.decoy`).
    public var decoySecret: [UInt8]
    /// A client that holds a server connection in an open transaction and
    /// sends nothing for this long is ended (25P03); zero disables.
    public var idleInTransactionTimeout: TimeAmount = .seconds(300)
    /// Statements kept prepared per server connection (least recently used are closed).
    public var maxPreparedStatementsPerConnection = 200
    /// Transaction pooling: named statements one client may hold (the proxy
    /// keeps each one's text to prepare it on any server connection, so this
    /// and `maxClientStatementBytes` bound what one client can make it keep).
    public var maxClientStatements = 10_000
    /// Transaction pooling: the total text of one client's named statements.
    public var maxClientStatementBytes = 64 << 20
    /// Transaction pooling: an unnamed statement whose text repeats is bound to
    /// a shared server-side prepared statement (see `UnnamedStatementCache`).
    public var cacheUnnamedStatements = true
    /// Server connections to one upstream server across its workspace roles,
    /// for the whole proxy; shared out among the event loops (each gets
    /// `limit / loops`, the first `limit % loops` one more, at least 1).
    /// Nil: no limit beyond `pool.maxConnections` per role.
    public var upstreamConnectionLimit: Int?
    /// Several Sluice processes behind one address: this one's number and
    /// where the others listen, so a cancel that lands on the wrong one
    /// still reaches its session (nil: one process, keys carry no number).
    public var cancelRouting: CancelRouting?

    public init(
        host: String = "127.0.0.1",
        port: Int = 6432,
        tls: TLSSettings? = nil,
        tlsRequired: Bool = false,
        maxMessageLength: Int = 1 << 30,
        authTimeout: TimeAmount = .seconds(15),
        partialMessageTimeout: TimeAmount = .seconds(30),
        pool: PoolConfiguration = PoolConfiguration(),
        shutdownGracePeriod: TimeAmount = .seconds(10),
        decoySecret: [UInt8]
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.tlsRequired = tlsRequired
        self.maxMessageLength = maxMessageLength
        self.authTimeout = authTimeout
        self.partialMessageTimeout = partialMessageTimeout
        self.pool = pool
        self.shutdownGracePeriod = shutdownGracePeriod
        self.decoySecret = decoySecret
    }
}

/// The server side of TLS termination, loaded once (never per connection).
public struct TLSSettings: Sendable {
    public let context: NIOSSLContext
    /// `tls-server-end-point` channel-binding data of the served certificate.
    public let channelBinding: [UInt8]

    public init(context: NIOSSLContext, channelBinding: [UInt8]) {
        self.context = context
        self.channelBinding = channelBinding
    }
}
