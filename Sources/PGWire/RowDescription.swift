import NIOCore

/// `RowDescription` ('T'): the shape of the rows that follow.
public struct RowDescription: Sendable, Equatable {
    public var fields: [Field]

    public init(fields: [Field]) {
        self.fields = fields
    }

    /// One column of a `RowDescription`.
    public struct Field: Sendable, Equatable {
        public var name: String
        /// OID of the source table, or 0 if the column is not a plain table column.
        public var tableOID: UInt32
        /// Attribute number of the column within its table, or 0.
        public var columnAttribute: Int16
        public var dataTypeOID: UInt32
        /// `pg_type.typlen`; negative for variable-width types.
        public var dataTypeSize: Int16
        /// `pg_attribute.atttypmod`; type-specific.
        public var typeModifier: Int32
        /// 0 text, 1 binary.
        public var format: Int16

        public init(
            name: String,
            tableOID: UInt32 = 0,
            columnAttribute: Int16 = 0,
            dataTypeOID: UInt32,
            dataTypeSize: Int16,
            typeModifier: Int32 = -1,
            format: Int16 = 0
        ) {
            self.name = name
            self.tableOID = tableOID
            self.columnAttribute = columnAttribute
            self.dataTypeOID = dataTypeOID
            self.dataTypeSize = dataTypeSize
            self.typeModifier = typeModifier
            self.format = format
        }
    }

    /// The smallest encoding of a field: an empty name (1 byte) plus 18 bytes of attributes.
    private static let minimumFieldSize = 19

    init(reader: inout PayloadReader) throws(PGWireError) {
        let count = try reader.readCount("field", minimumElementSize: Self.minimumFieldSize)
        var fields: [Field] = []
        fields.reserveCapacity(count)
        for _ in 0..<count {
            fields.append(
                Field(
                    name: try reader.readCString("field name"),
                    tableOID: try reader.readInteger(as: UInt32.self, "table OID"),
                    columnAttribute: try reader.readInteger(as: Int16.self, "column attribute number"),
                    dataTypeOID: try reader.readInteger(as: UInt32.self, "data type OID"),
                    dataTypeSize: try reader.readInteger(as: Int16.self, "data type size"),
                    typeModifier: try reader.readInteger(as: Int32.self, "type modifier"),
                    format: try reader.readInteger(as: Int16.self, "format code")
                )
            )
        }
        self.fields = fields
    }

    func writePayload(into buffer: inout ByteBuffer) {
        buffer.pgWriteCount(self.fields.count)
        for field in self.fields {
            buffer.pgWriteCString(field.name)
            buffer.writeInteger(field.tableOID)
            buffer.writeInteger(field.columnAttribute)
            buffer.writeInteger(field.dataTypeOID)
            buffer.writeInteger(field.dataTypeSize)
            buffer.writeInteger(field.typeModifier)
            buffer.writeInteger(field.format)
        }
    }
}
