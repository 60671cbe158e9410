/// The transaction state reported by `ReadyForQuery` ('Z').
///
/// The signal a transaction-pooling proxy uses to decide when a backend can be released.
public enum TransactionStatus: UInt8, Sendable, Hashable {
    case idle = 0x49  // 'I'
    case inTransaction = 0x54  // 'T'
    case failed = 0x45  // 'E'

    init(reader: inout PayloadReader) throws(PGWireError) {
        let byte = try reader.readInteger(as: UInt8.self, "transaction status")
        guard let status = TransactionStatus(rawValue: byte) else {
            throw reader.malformed("invalid transaction status \(byte)")
        }
        self = status
    }
}
