/// Attributes every server response to the message that caused it, in wire
/// order, so the proxy can slip in messages of its own (a replayed `Parse`,
/// settings to apply) and swallow their answers, answer some client messages
/// itself at exactly the right point, and know when a server connection owes
/// nothing more.
///
/// The protocol makes this exact: responses come in the order of the
/// messages; after an error in the extended protocol the server skips every
/// message up to `Sync`; a simple `Query` (and a `FunctionCall`) ends with its
/// own `ReadyForQuery`. A value type with no I/O: the handler feeds it what it
/// sends and what it receives and performs what it returns.
public struct ResponseTracker<Token: Sendable>: Sendable {
    /// What a message sent to the server will answer with.
    public enum Kind: Sendable, Equatable {
        case parse, bind, describeStatement, describePortal, execute, close, sync
        /// A simple Query or a FunctionCall: answers end with ReadyForQuery.
        case query
    }

    /// Who sent the message, which decides where its answers go.
    public enum Origin: Sendable {
        /// The client: answers go to the client.
        case client
        /// The proxy: answers are swallowed (ParameterStatus and notices included).
        case proxy
    }

    public struct Entry: Sendable {
        public var kind: Kind
        public var origin: Origin
        /// The caller's note about this message (statement names, denials, ...).
        public var token: Token
        /// A response the proxy produces itself, in order, instead of the server.
        public var isSynthetic: Bool
    }

    /// What to do with one server message.
    public enum Disposition: Sendable, Equatable {
        case forward
        case swallow
    }

    /// An entry that is finished: fully answered, failed, or skipped.
    public enum Completion: Sendable {
        case answered(Entry)
        /// The server reported an error for this entry.
        case failed(Entry)
        /// Skipped by the server after an earlier error in its batch.
        case skipped(Entry)
        /// A synthetic entry reached the head: emit its answer now.
        case emit(Entry)
    }

    private var queue: [Entry] = []
    private var head = 0
    /// After an extended-protocol error: entries up to the next Sync are skipped.
    private var skipping = false
    /// Describe of a statement answers ParameterDescription then RowDescription/NoData.
    private var sawParameterDescription = false

    public init() {}

    /// Nothing is owed by the server and nothing is waiting to be emitted.
    public var isIdle: Bool { head >= queue.count }
    public var pendingCount: Int { queue.count - head }

    /// Whether the head (the entry answers are for now) came from the proxy.
    public var headIsProxy: Bool {
        guard head < queue.count else { return false }
        if case .proxy = queue[head].origin { return true }
        return false
    }

    public var headToken: Token? { head < queue.count ? queue[head].token : nil }
    public var headKind: Kind? { head < queue.count ? queue[head].kind : nil }

    /// Records a message sent to the server (in wire order).
    public mutating func sent(_ kind: Kind, origin: Origin, token: Token) {
        queue.append(Entry(kind: kind, origin: origin, token: token, isSynthetic: false))
    }

    /// Records an answer the proxy gives itself, after every earlier answer.
    /// Returns completions to perform now if it is already at the head.
    public mutating func synthesize(_ kind: Kind, token: Token) -> [Completion] {
        var completions: [Completion] = []
        synthesize(kind, token: token, into: &completions)
        return completions
    }

    /// `synthesize(_:token:)`, appending to the caller's array (no allocation per call).
    public mutating func synthesize(_ kind: Kind, token: Token, into completions: inout [Completion]) {
        queue.append(Entry(kind: kind, origin: .client, token: token, isSynthetic: true))
        drainSynthetic(&completions)
    }

    /// A server message arrived; `id` is its type byte.
    public mutating func received(_ id: UInt8) -> (Disposition, [Completion]) {
        var completions: [Completion] = []
        let disposition = received(id, into: &completions)
        return (disposition, completions)
    }

    /// `received(_:)`, appending completions to the caller's array: the proxy
    /// calls this for every server message, so it reuses one array.
    public mutating func received(_ id: UInt8, into completions: inout [Completion]) -> Disposition {
        drainSynthetic(&completions)
        guard head < queue.count else {
            // Nothing owed: asynchronous messages (notice, notification, parameter status).
            return .forward
        }
        let disposition: Disposition
        if case .proxy = queue[head].origin { disposition = .swallow } else { disposition = .forward }
        let kind = queue[head].kind

        switch id {
        case UInt8(ascii: "N"), UInt8(ascii: "A"), UInt8(ascii: "S"):
            // Asynchronous; belongs to whoever is at the head.
            return disposition
        case UInt8(ascii: "E"):
            if kind == .query {
                // A Query's error: more may follow until its ReadyForQuery.
                return disposition
            }
            let entry = queue[head]
            pop(&completions, as: .failed(entry))
            if entry.kind != .sync {
                skipping = true
                skipUntilSync(&completions)
            }
        case UInt8(ascii: "Z"):
            // Ends a Query, or a Sync (with everything skipped before it).
            if kind == .query || kind == .sync {
                pop(&completions, as: .answered(queue[head]))
                skipping = false
            } else {
                // Should not happen: the server ended a batch we think is open.
                // Resynchronise: everything up to the next sync is done.
                skipUntilSync(&completions)
                if head < queue.count {
                    let sync = queue[head]
                    pop(&completions, as: .answered(sync))
                }
            }
        case UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "3"):
            pop(&completions, as: .answered(queue[head]))
        case UInt8(ascii: "t"):
            sawParameterDescription = true
        case UInt8(ascii: "T"), UInt8(ascii: "n"):
            if kind == .describeStatement || kind == .describePortal {
                sawParameterDescription = false
                pop(&completions, as: .answered(queue[head]))
            }
        case UInt8(ascii: "C"), UInt8(ascii: "I"), UInt8(ascii: "s"):
            if kind == .execute { pop(&completions, as: .answered(queue[head])) }
        case UInt8(ascii: "D"):
            // A DataRow: part of the head's answer, the commonest message of all.
            return disposition
        default:
            // Copy messages, FunctionCallResponse: part of the head's answer.
            break
        }
        drainSynthetic(&completions)
        return disposition
    }

    /// The server connection is gone: everything owed is dropped.
    public mutating func reset() -> [Entry] {
        let dropped = Array(queue[head...])
        queue.removeAll()
        head = 0
        skipping = false
        return dropped
    }

    private mutating func pop(_ completions: inout [Completion], as completion: Completion) {
        head += 1
        completions.append(completion)
        if head > 64 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    private mutating func skipUntilSync(_ completions: inout [Completion]) {
        while head < queue.count, queue[head].kind != .sync, queue[head].kind != .query {
            let skipped = queue[head]
            pop(&completions, as: .skipped(skipped))
        }
    }

    private mutating func drainSynthetic(_ completions: inout [Completion]) {
        while head < queue.count, queue[head].isSynthetic {
            let entry = queue[head]
            if skipping {
                pop(&completions, as: .skipped(entry))
            } else {
                pop(&completions, as: .emit(entry))
            }
        }
    }
}
