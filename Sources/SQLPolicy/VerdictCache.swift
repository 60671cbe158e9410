import Synchronization

/// A bounded cache of judgements, by exact text and by *shape*, per context.
///
/// The exact text is looked up first. On a miss, the text's shape (its
/// tokens from the PostgreSQL scanner, constants replaced by their token
/// type; `PGQueryScanner.shape`) is looked up: `... WHERE aid = 1` and
/// `... WHERE aid = 2` have one shape, and the parser gives them trees that
/// differ only in those constants. A judgement is stored by shape only when
/// no verdict in it read a constant's value (`readsConstants`: settings,
/// `set_config`), it changes no session state, it is one statement, and it
/// is not a syntax error (whose position depends on layout), so a shape hit
/// is exactly the verdict the parser and walker would give. Scanning costs
/// a fraction of a microsecond, parsing and walking tens.
///
/// Two generations approximate LRU in O(1): entries live in `current`; when
/// it is full it becomes `previous` and a new `current` starts; a hit in
/// `previous` is promoted. At most `capacity` entries are held.
public final class VerdictCache: Sendable {
    private struct Key: Hashable {
        var text: String
        var context: PolicyContext
    }

    private struct ShapeKey: Hashable {
        var shape: [UInt8]
        var context: PolicyContext
    }

    private struct State {
        var current: [Key: Judgement] = [:]
        var previous: [Key: Judgement] = [:]
        var shapes: [ShapeKey: Judgement] = [:]
        var previousShapes: [ShapeKey: Judgement] = [:]
        var hits: UInt64 = 0
        var shapeHits: UInt64 = 0
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
            return nil
        }
        if let cached { return (cached, true) }
        let shapeKey = StatementShape.key(text).map { ShapeKey(shape: $0, context: policy.context) }
        if let shapeKey {
            let byShape: Judgement? = state.withLock { state in
                if let found = state.shapes[shapeKey] ?? state.previousShapes[shapeKey] {
                    state.shapeHits += 1
                    if state.shapes[shapeKey] == nil {
                        state.shapes[shapeKey] = found
                        rotateShapesIfFull(&state)
                    }
                    // A text that repeats is then an exact hit, without the shape pass.
                    state.current[key] = found
                    rotateIfFull(&state)
                    return found
                }
                return nil
            }
            if let byShape { return (byShape, true) }
        }
        let judgement = policy.judge(text)
        let shareable = shapeKey != nil && Self.isShapeIndependent(judgement)
        state.withLock { state in
            state.misses += 1
            state.current[key] = judgement
            rotateIfFull(&state)
            if shareable, let shapeKey {
                state.shapes[shapeKey] = judgement
                rotateShapesIfFull(&state)
            }
        }
        return (judgement, false)
    }

    /// Whether every text of this judgement's shape gets this judgement.
    static func isShapeIndependent(_ judgement: Judgement) -> Bool {
        guard judgement.statements.count == 1, let statement = judgement.statements.first else { return false }
        if statement.readsConstants || statement.changesSession || statement.sessionEffect != nil { return false }
        if case .deny(let denial) = statement.verdict, denial.reason == .syntax || denial.position != nil { return false }
        return true
    }

    private func rotateShapesIfFull(_ state: inout State) {
        if state.shapes.count >= generationSize {
            state.previousShapes = state.shapes
            state.shapes = [:]
            state.shapes.reserveCapacity(generationSize)
        }
    }

    private func rotateIfFull(_ state: inout State) {
        if state.current.count >= generationSize {
            state.previous = state.current
            state.current = [:]
            state.current.reserveCapacity(generationSize)
        }
    }

    /// Hits (exact text and shape together) and misses.
    public var counts: (hits: UInt64, misses: UInt64) {
        state.withLock { ($0.hits + $0.shapeHits, $0.misses) }
    }

    /// Hits by shape alone.
    public var shapeHits: UInt64 {
        state.withLock { $0.shapeHits }
    }

    public var count: Int {
        state.withLock { $0.current.count + $0.previous.count }
    }
}
