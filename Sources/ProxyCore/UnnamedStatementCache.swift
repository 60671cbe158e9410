import PGWire

/// Unnamed statements that repeat, shared as server-side prepared statements
/// (transaction pooling).
///
/// A driver that uses the unnamed statement (`pgbench -M extended`, libpq's
/// `PQexecParams`, pgx, node-postgres, most ORMs) sends the same `Parse` again
/// for every execution, and the server parses, analyses and plans it again
/// every time. The proxy already keeps statements prepared per server
/// connection under a name derived from their text and parameter types (named
/// statements of every client share them), so from the second time one event
/// loop sees an unnamed text it binds that shared statement instead: the server
/// skips the parse and analysis, and its plan cache decides between custom and
/// generic plans exactly as for a named statement. Text seen once is sent as it
/// came, so one-off statements never fill the per-connection caches.
///
/// One instance per event loop, used only on that loop (no locking). Bounded:
/// at most `capacity` texts of at most `maxQueryLength` bytes; when full it is
/// emptied and learns again.
final class UnnamedStatementCache {
    private struct Key: Hashable {
        let query: String
        let parameterTypes: [UInt32]
    }

    private enum Entry {
        case seenOnce
        case promoted(ClientStatement)
    }

    let capacity: Int
    let maxQueryLength: Int
    private var entries: [Key: Entry] = [:]

    init(capacity: Int = 1024, maxQueryLength: Int = 8192) {
        self.capacity = capacity
        self.maxQueryLength = maxQueryLength
    }

    var count: Int { entries.count }

    /// The shared statement to use for this unnamed `Parse`, or nil to send it
    /// as it is (first sighting, or too long to remember).
    func promotion(for parse: Parse) -> ClientStatement? {
        guard parse.query.utf8.count <= maxQueryLength else { return nil }
        let key = Key(query: parse.query, parameterTypes: parse.parameterTypes)
        switch entries[key] {
        case .promoted(let statement)?:
            return statement
        case .seenOnce?:
            let statement = ClientStatement(parse: parse)
            entries[key] = .promoted(statement)
            return statement
        case nil:
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = .seenOnce
            return nil
        }
    }
}
