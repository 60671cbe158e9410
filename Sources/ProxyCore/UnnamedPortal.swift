/// A client's unnamed portal, as far as the proxy must know it: whether the
/// client bound it since its last simple Query.
///
/// A simple Query runs in the unnamed portal too. PostgreSQL 15 drops that
/// portal after the Query, except when a utility statement fails in a
/// transaction block: then it stays, with its statements already freed, and
/// an `Execute` of it reads freed memory and crashes the server (every
/// backend restarts). So an `Execute` or `Describe` of the unnamed portal
/// goes to the server only after a `Bind` of it the server accepted, or one
/// earlier in the same batch (if that one fails, the server skips the rest of
/// the batch). One of an earlier batch not answered yet: the message waits.
/// A value with a method per event; no I/O.
struct UnnamedPortal: Sendable {
    /// A `Bind` of the unnamed portal was answered since the last simple Query.
    private(set) var bound = false
    /// The batch of the last `Bind` of it, while that one is not answered yet.
    private(set) var bindBatch: Int?
    /// Every `Bind` of it gets a ticket, in the order sent (answers come in that order).
    private var tickets = 0
    /// The ticket of the last `Bind` not answered yet.
    private var pendingTicket: Int?
    /// Answers to tickets up to this one are stale: a simple Query was sent after their `Bind`.
    private var staleUpTo = 0

    /// A simple Query was sent: whatever the portal was, it is the Query's now.
    mutating func simpleQuery() {
        staleUpTo = tickets
        bound = false
        bindBatch = nil
        pendingTicket = nil
    }

    /// A `Bind` of it went to the server (or was answered by the proxy) in
    /// batch `batch`. Returns the ticket its answer carries back to `answered`.
    mutating func bindSent(batch: Int) -> Int {
        tickets += 1
        bindBatch = batch
        pendingTicket = tickets
        return tickets
    }

    /// The answer to the `Bind` of `ticket`: bound, or not. The answer to an
    /// earlier `Bind` than the last one says what the portal is until the last
    /// one's answer, which still decides from then on.
    mutating func answered(ticket: Int, bound: Bool) {
        guard ticket > staleUpTo else { return }
        self.bound = bound
        if ticket == pendingTicket {
            pendingTicket = nil
            bindBatch = nil
        }
    }

    /// Whether an `Execute` or `Describe` of it in batch `batch` may go to the server.
    func mayUse(inBatch batch: Int) -> Bool {
        bound || bindBatch == batch
    }

    /// Whether one in batch `batch` must wait for the answer to a `Bind` of an earlier batch.
    func waits(inBatch batch: Int) -> Bool {
        guard let bindBatch else { return false }
        return bindBatch < batch
    }
}
