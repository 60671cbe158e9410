import NIOCore

/// `DataRow` ('D'): one result row.
public struct DataRow: Sendable, Equatable {
    /// Column values as slices of the received buffer (no copy); `nil` is SQL NULL.
    public var columns: [ByteBuffer?]

    public init(columns: [ByteBuffer?]) {
        self.columns = columns
    }

    init(reader: inout PayloadReader) throws(PGWireError) {
        let count = try reader.readCount("column", minimumElementSize: 4)
        var columns: [ByteBuffer?] = []
        columns.reserveCapacity(count)
        for _ in 0..<count {
            columns.append(try reader.readNullableValue("column value"))
        }
        self.columns = columns
    }

    func writePayload(into buffer: inout ByteBuffer) {
        buffer.pgWriteCount(self.columns.count)
        for column in self.columns {
            buffer.pgWriteNullableValue(column)
        }
    }
}
