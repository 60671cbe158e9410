import NIOConcurrencyHelpers
import NIOCore
import PGWire

/// Maps the BackendKeyData the proxy gave each client to that client's
/// session, so a CancelRequest arriving on a new connection can reach it.
///
/// Only this table is shared across event loops; the session itself decides,
/// on its own loop, whether a query is running and which server to cancel,
/// so a late cancel never hits the next client's query. With `routing`, the
/// keys carry this process's number and `route` says which process a
/// CancelRequest belongs to (see `CancelRouting`).
final class CancelRegistry: Sendable {
    struct Entry: Sendable {
        var secret: Int32
        var deliver: @Sendable () -> Void
    }

    private let entries = NIOLockedValueBox<[Int32: Entry]>([:])
    let routing: CancelRouting?

    init(routing: CancelRouting? = nil) {
        self.routing = routing
    }

    /// Registers a session and returns its fresh, unique key.
    func register(deliver: @escaping @Sendable () -> Void) -> BackendKeyData {
        var generator = SystemRandomNumberGenerator()
        return entries.withLockedValue { table in
            while true {
                let pid = routing.map { $0.processID(random: Int32.random(in: CancelRouting.randomRange, using: &generator)) }
                    ?? Int32.random(in: 1 ... Int32.max, using: &generator)
                if table[pid] != nil { continue }
                let secret = Int32.random(in: .min ... .max, using: &generator)
                table[pid] = Entry(secret: secret, deliver: deliver)
                return BackendKeyData(processID: pid, secretKey: secret)
            }
        }
    }

    func unregister(processID: Int32) {
        _ = entries.withLockedValue { $0.removeValue(forKey: processID) }
    }

    /// Which process a CancelRequest is for.
    func route(_ request: CancelRequest) -> CancelRouting.Route {
        guard let routing, !CancelRouting.wasPassedOn(request) else { return .local }
        return routing.route(request.processID)
    }

    /// Delivers the cancel if the key matches; a wrong key does nothing.
    func cancel(_ request: CancelRequest) {
        // A cancel a peer passed on carries a mark (never a key of its own).
        let processID = routing == nil ? request.processID : request.processID & Int32.max
        let entry = entries.withLockedValue { $0[processID] }
        guard let entry else { return }
        var difference = entry.secret ^ request.secretKey
        difference |= 0
        guard difference == 0 else { return }
        entry.deliver()
    }

    var count: Int { entries.withLockedValue { $0.count } }
}
