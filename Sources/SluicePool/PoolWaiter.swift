/// A lease request together with the instant it was first made.
///
/// The instant travels with the request even after it has been handed a
/// connection awaiting a health check: if that check fails the request goes
/// back into the queue with its original age, so its wait timeout and its
/// FIFO position are unaffected by the failed attempt.
struct PoolWaiter<RequestID: Hashable & Sendable>: Sendable, Equatable {
    var request: RequestID
    var requestedAt: PoolInstant
}
