import NIOCore
import PGWire

/// A transaction-pooled client between server connections: the messages that
/// wait for a lease, whether reading is paused meanwhile, a cancel that came
/// for them, and, after a lease failed mid-batch, the rest of the batch to skip.
/// Also the messages of a pipelined batch that name a statement an earlier
/// batch parsed and the server has not answered yet: whether that statement
/// exists depends on that answer (a `Parse` skipped after an error leaves
/// none), so they wait for it.
///
/// A value with a method per event; each returns what the handler must do
/// (ask the pool, pause or resume reading, send these messages). No I/O here.
struct LeaseQueue {
    enum State: Equatable {
        /// Nothing waits (the client has a server connection, or needs none yet).
        case idle
        /// A lease was asked for; messages wait for it.
        case leasing
        /// A lease failed inside an extended-protocol batch: its messages up to
        /// `Sync` are skipped, as the server skips them after an error.
        case skippingToSync
        /// Messages wait for the answers to an earlier batch (see the type's comment).
        case waitingForAnswers
    }

    private(set) var state = State.idle
    private var frames: [(frame: Frame, raw: ByteBuffer)] = []
    private var bytes = 0
    private(set) var readingPaused = false
    private var cancelAfterLease = false
    /// What may wait before reading pauses: a client waiting for its answer
    /// sends nothing more, so reading goes on (pausing and resuming costs two
    /// `epoll_ctl` per wait); one that keeps sending is stopped past this.
    let pauseThreshold: Int

    init(pauseThreshold: Int = 256 * 1024) {
        self.pauseThreshold = pauseThreshold
    }

    /// Messages wait for a lease.
    var isWaiting: Bool { state == .leasing }

    /// The first message that waits for earlier answers, if messages do.
    var firstWaitingForAnswers: (frame: Frame, raw: ByteBuffer)? {
        state == .waitingForAnswers ? frames.first : nil
    }

    // MARK: Events

    enum Arrival: Equatable {
        /// Send it on the server connection the client has.
        case process
        /// Held; ask the pool for a connection.
        case requestLease
        /// Held; too much waits: stop reading until the lease.
        case pauseReading
        /// Held; nothing more to do.
        case held
        /// Skipped (the rest of a failed batch).
        case skip
        /// The failed batch's `Sync`: answer `ReadyForQuery`.
        case answerReady
    }

    /// A client message arrived; `attached`: the client has a server connection.
    mutating func arrived(_ frame: Frame, raw: ByteBuffer, attached: Bool) -> Arrival {
        switch state {
        case .skippingToSync:
            guard frame.id == UInt8(ascii: "S") else { return .skip }
            state = .idle
            return .answerReady
        case .idle where attached:
            return .process
        case .idle:
            state = .leasing
            hold(frame, raw: raw)
            return .requestLease
        case .leasing, .waitingForAnswers:
            hold(frame, raw: raw)
            guard !readingPaused, bytes > pauseThreshold else { return .held }
            readingPaused = true
            return .pauseReading
        }
    }

    /// The handler found that `frame` must wait for earlier answers: it and
    /// everything after it are held until `answersArrived()`.
    mutating func waitForAnswers(_ frame: Frame, raw: ByteBuffer) {
        state = .waitingForAnswers
        hold(frame, raw: raw)
    }

    /// The answers came: the held messages, in order, to handle again (a later
    /// one may have to wait once more).
    mutating func answersArrived() -> Leased {
        leased()
    }

    private mutating func hold(_ frame: Frame, raw: ByteBuffer) {
        frames.append((frame, raw))
        bytes += raw.readableBytes
    }

    struct Leased {
        /// The waiting messages, in order, to send on the new connection.
        var frames: [(frame: Frame, raw: ByteBuffer)]
        var resumeReading: Bool
        /// A cancel came while they waited: send it now that they are sent.
        var cancel: Bool
    }

    /// The pool gave the client a server connection.
    mutating func leased() -> Leased {
        let leased = Leased(frames: frames, resumeReading: readingPaused, cancel: cancelAfterLease)
        self = LeaseQueue(pauseThreshold: pauseThreshold)
        return leased
    }

    /// No connection came in time and the session goes on: what the server
    /// would have answered had each waiting message failed with `fields`:
    /// one error per simple Query (then ReadyForQuery), and for an extended
    /// batch one error, the rest skipped up to its Sync (then ReadyForQuery).
    /// A batch cut before its Sync has the rest of it skipped when it comes.
    mutating func leaseFailed(with fields: ErrorFields, status: TransactionStatus) -> (answers: [BackendMessage], resumeReading: Bool) {
        var answers: [BackendMessage] = []
        var errorSent = false
        for (frame, _) in frames {
            switch frame.id {
            case UInt8(ascii: "Q"), UInt8(ascii: "F"):
                answers.append(.errorResponse(fields))
                answers.append(.readyForQuery(status))
                errorSent = false
            case UInt8(ascii: "S"):
                if !errorSent { answers.append(.errorResponse(fields)) }
                answers.append(.readyForQuery(status))
                errorSent = false
            case UInt8(ascii: "P"), UInt8(ascii: "B"), UInt8(ascii: "D"), UInt8(ascii: "E"), UInt8(ascii: "C"):
                if !errorSent { answers.append(.errorResponse(fields)) }
                errorSent = true
            default:
                // Flush, CopyData and the like: no answer of their own.
                break
            }
        }
        let resume = readingPaused
        self = LeaseQueue(pauseThreshold: pauseThreshold)
        if errorSent { state = .skippingToSync }
        return (answers, resume)
    }

    /// A CancelRequest for the session came while it has no server
    /// connection: true when a query waits, and the cancel is kept for it
    /// (a cancel must not be lost because the pool is saturated).
    mutating func cancelRequested() -> Bool {
        guard state == .leasing else { return false }
        cancelAfterLease = true
        return true
    }
}
