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
    /// The batch of a `Bind` of it not answered yet.
    private(set) var bindBatch: Int?
    /// Counts simple Queries: an answer to a `Bind` sent before the last one is stale.
    private var epoch = 0

    /// A simple Query was sent: whatever the portal was, it is the Query's now.
    mutating func simpleQuery() {
        epoch += 1
        bound = false
        bindBatch = nil
    }

    /// A `Bind` of it went to the server (or was answered by the proxy) in
    /// batch `batch`. Returns the epoch its answer carries back to `answered`.
    mutating func bindSent(batch: Int) -> Int {
        bindBatch = batch
        return epoch
    }

    /// The answer to a `Bind` of it sent in `epoch`: bound, or not.
    mutating func answered(epoch: Int, bound: Bool) {
        guard epoch == self.epoch else { return }
        self.bound = bound
        bindBatch = nil
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
