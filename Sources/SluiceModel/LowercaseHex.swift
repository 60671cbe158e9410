/// Bytes as lower-case hexadecimal text, two digits each: the form of the
/// hashes in server names (`sluice_<hash>` statements, shortened workspace
/// stems), safe in identifiers, paths and log lines.
public enum LowercaseHex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func append(_ bytes: some Sequence<UInt8>, to text: inout [UInt8]) {
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
    }
}
