import DequeModule

/// FIFO of lease requests waiting for a connection, with O(1) cancellation.
///
/// Clients disconnect in bursts (for example when their own timeouts fire
/// while the upstream is stuck), so cancelling must not scan a queue of up to
/// `maxWaiters` entries. A cancelled entry stays in the deque as a tombstone:
/// it is live only while `live[request]` still holds its ticket. Tombstones
/// are dropped when they reach the front (so `first` is always live and
/// O(1)) and the deque is compacted when they dominate it.
struct WaiterQueue<RequestID: Hashable & Sendable>: Sendable {
    private struct Entry: Sendable {
        var waiter: PoolWaiter<RequestID>
        var ticket: UInt64
    }

    private var entries: Deque<Entry> = []
    private var live: [RequestID: UInt64] = [:]
    private var nextTicket: UInt64 = 0

    init() {}

    /// Number of live (not cancelled) waiters.
    var count: Int { live.count }

    var isEmpty: Bool { live.isEmpty }

    /// The oldest live waiter.
    var first: PoolWaiter<RequestID>? { entries.first?.waiter }

    func contains(_ request: RequestID) -> Bool {
        live[request] != nil
    }

    /// Appends `waiter` at the back. Returns `false` (and changes nothing) if
    /// its request is already queued.
    mutating func append(_ waiter: PoolWaiter<RequestID>) -> Bool {
        guard live[waiter.request] == nil else { return false }
        entries.append(Entry(waiter: waiter, ticket: issueTicket(for: waiter.request)))
        return true
    }

    /// Puts `waiter` back in front of every live waiter no older than it, so
    /// a request whose health-checked connection failed keeps its place (it
    /// was ahead of everything queued since, including requests made at the
    /// same instant). Returns `false` if its request is already queued.
    mutating func insertByAge(_ waiter: PoolWaiter<RequestID>) -> Bool {
        guard live[waiter.request] == nil else { return false }
        let position = entries.firstIndex { entry in
            isLive(entry) && entry.waiter.requestedAt >= waiter.requestedAt
        } ?? entries.endIndex
        entries.insert(Entry(waiter: waiter, ticket: issueTicket(for: waiter.request)), at: position)
        dropLeadingTombstones()
        return true
    }

    mutating func popFirst() -> PoolWaiter<RequestID>? {
        guard let entry = entries.popFirst() else { return nil }
        live[entry.waiter.request] = nil
        dropLeadingTombstones()
        return entry.waiter
    }

    /// Cancels `request`. Returns whether it was queued.
    mutating func remove(_ request: RequestID) -> Bool {
        guard live.removeValue(forKey: request) != nil else { return false }
        dropLeadingTombstones()
        if entries.count > 2 * live.count + 64 {
            entries = Deque(entries.filter(isLive))
        }
        return true
    }

    /// Empties the queue, returning the live waiters oldest first.
    mutating func removeAll() -> [PoolWaiter<RequestID>] {
        let waiters = entries.filter(isLive).map(\.waiter)
        entries.removeAll()
        live.removeAll()
        return waiters
    }

    /// Broken internal guarantees, described; empty when consistent.
    func violations() -> [String] {
        var problems: [String] = []
        if let head = entries.first, !isLive(head) {
            problems.append("waiter queue front is a tombstone")
        }
        let liveEntries = entries.filter(isLive)
        if liveEntries.count != live.count {
            problems.append("waiter queue has \(liveEntries.count) live entries but \(live.count) live requests")
        }
        for (earlier, later) in zip(liveEntries, liveEntries.dropFirst())
        where earlier.waiter.requestedAt > later.waiter.requestedAt {
            problems.append("waiter queue not ordered by age: \(earlier.waiter) before \(later.waiter)")
        }
        return problems
    }

    private func isLive(_ entry: Entry) -> Bool {
        live[entry.waiter.request] == entry.ticket
    }

    private mutating func issueTicket(for request: RequestID) -> UInt64 {
        let ticket = nextTicket
        nextTicket &+= 1
        live[request] = ticket
        return ticket
    }

    private mutating func dropLeadingTombstones() {
        while let head = entries.first, !isLive(head) {
            entries.removeFirst()
        }
    }
}
