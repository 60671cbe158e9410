import Synchronization

/// A bounded cache of judgements keyed by the exact statement text and the
/// context. Exact text is the only key for which a hit is always the parser's
/// decision: two texts that differ only in a constant can differ in verdict
/// (`set_config('search_path', ...)` vs `set_config('work_mem', ...)`).
///
/// Two generations approximate LRU in O(1): entries live in `current`; when
/// it is full it becomes `previous` and a new `current` starts; a hit in
/// `previous` is promoted. At most `capacity` entries are held.
public final class VerdictCache: Sendable {
    private struct Key: Hashable {
        var text: String
        var context: PolicyContext
    }

    private struct State {
        var current: [Key: Judgement] = [:]
        var previous: [Key: Judgement] = [:]
        var hits: UInt64 = 0
        var misses: UInt64 = 0
    }

    private let state = Mutex(State())
    private let generationSize: Int
    /// Texts longer than this are judged every time (they would crowd the cache).
    public let maxTextLength: Int

    public init(capacity: Int = 10_000, maxTextLength: Int = 8_192) {
        self.generationSize = max(1, capacity / 2)
        self.maxTextLength = maxTextLength
    }

    /// The judgement of `text`, from the cache or from `policy`; `hit` says which.
    public func judge(_ text: String, policy: StatementPolicy) -> (judgement: Judgement, hit: Bool) {
        guard text.utf8.count <= maxTextLength else {
            state.withLock { $0.misses += 1 }
            return (policy.judge(text), false)
        }
        let key = Key(text: text, context: policy.context)
        let cached: Judgement? = state.withLock { state in
            if let found = state.current[key] {
                state.hits += 1
                return found
            }
            if let found = state.previous[key] {
                state.hits += 1
                state.current[key] = found
                rotateIfFull(&state)
                return found
            }
            state.misses += 1
            return nil
        }
        if let cached { return (cached, true) }
        let judgement = policy.judge(text)
        state.withLock { state in
            state.current[key] = judgement
            rotateIfFull(&state)
        }
        return (judgement, false)
    }

    private func rotateIfFull(_ state: inout State) {
        if state.current.count >= generationSize {
            state.previous = state.current
            state.current = [:]
            state.current.reserveCapacity(generationSize)
        }
    }

    public var counts: (hits: UInt64, misses: UInt64) {
        state.withLock { ($0.hits, $0.misses) }
    }

    public var count: Int {
        state.withLock { $0.current.count + $0.previous.count }
    }
}
