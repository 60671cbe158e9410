import PGWire

/// Several Sluice processes behind one address (a load balancer, or DNS
/// round robin): a client's CancelRequest arrives on a new connection, which
/// may land on another process than the one serving its session. Each
/// process then has a number, carried in every cancel key it gives out, and
/// knows where the others listen, so a cancel for another's key is passed on
/// to it (PostgreSQL's own protocol: one CancelRequest on a new connection).
///
/// The number is in bits 23-30 of the key's process ID (bit 31 stays clear,
/// so the ID is positive as PostgreSQL's are); the remaining 23 bits are
/// random, and the 32-bit secret is untouched. A process passes on only keys
/// that carry another's number, with bit 31 set as a mark, and a marked
/// cancel is handled where it lands, never passed on again: a cancel is
/// forwarded at most once, even when `peers` names a process twice or
/// points a number at the wrong process.
public struct CancelRouting: Sendable, Equatable {
    /// Where another process listens for clients.
    public struct Peer: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// This process's number (0-255).
    public var instance: UInt8
    /// The other processes by number (an entry for `instance` itself is ignored,
    /// so every process can be given the same list).
    public var peers: [UInt8: Peer]

    public init(instance: UInt8, peers: [UInt8: Peer] = [:]) {
        self.instance = instance
        self.peers = peers
    }

    static let shift: Int32 = 23
    /// Process IDs per instance: the random part is 1 ..< 2^23.
    static let randomRange: Range<Int32> = 1 ..< (1 << 23)

    /// A process ID carrying this process's number.
    func processID(random: Int32) -> Int32 {
        Int32(instance) << Self.shift | random
    }

    /// The number a key's process ID carries.
    static func instance(ofProcessID processID: Int32) -> UInt8 {
        UInt8(truncatingIfNeeded: processID >> shift)
    }

    /// The request as passed on to a peer: marked (bit 31 of the process ID).
    static func passedOn(_ request: CancelRequest) -> CancelRequest {
        CancelRequest(processID: request.processID | Int32.min, secretKey: request.secretKey)
    }

    static func wasPassedOn(_ request: CancelRequest) -> Bool {
        request.processID < 0
    }

    /// Where a CancelRequest goes.
    public enum Route: Equatable, Sendable {
        /// This process's own key (or no routing): the registry delivers it.
        case local
        /// Another process's key: pass it on there.
        case peer(Peer)
        /// Another process's key, but no address for it: dropped (as a wrong key is).
        case unknown(UInt8)
    }

    func route(_ processID: Int32) -> Route {
        let owner = Self.instance(ofProcessID: processID)
        guard owner != instance else { return .local }
        guard let peer = peers[owner] else { return .unknown(owner) }
        return .peer(peer)
    }
}
