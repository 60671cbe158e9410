import NIOCore
import PGWire

/// Small accessors tests use to pick results out of a message list.
extension Array where Element == BackendMessage {
    /// The text of every column of every DataRow (nil for SQL NULL).
    public var rows: [[String?]] {
        compactMap { message in
            guard case .dataRow(let row) = message else { return nil }
            return row.columns.map { column in column.map { String(buffer: $0) } }
        }
    }

    /// The first column of the first row: what `SELECT x` returned.
    public var firstValue: String? {
        rows.first?.first ?? nil
    }

    /// Every ErrorResponse, in order.
    public var errors: [ErrorFields] {
        compactMap { message in
            if case .errorResponse(let fields) = message { return fields }
            return nil
        }
    }

    /// The tags of every CommandComplete, in order.
    public var commandTags: [String] {
        compactMap { message in
            if case .commandComplete(let tag) = message { return tag }
            return nil
        }
    }
}
