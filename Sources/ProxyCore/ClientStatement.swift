import Crypto
import PGWire
import SluiceModel

/// A client's named prepared statement under transaction pooling. On the
/// server it is prepared under a name derived from its text and parameter
/// types, so every client with the same statement shares one preparation per
/// server connection, and a client can land on any connection.
struct ClientStatement: Sendable {
    let parse: Parse
    let serverName: String
    /// `DISCARD ALL` / `DEALLOCATE ALL`: executing it drops every prepared
    /// statement of the server connection (and the client's records).
    var clearsStatements = false
    /// It may change session settings (the policy's verdict at its Parse):
    /// every execution needs the settings read back afterwards.
    var changesSession = false
    /// `DEALLOCATE name` of another of the client's statements: answered by
    /// the proxy, never prepared on the server.
    var deallocates: String?
    /// Which of the client's Parses made it (`ClientStatementBook` numbers
    /// them), so the answer to one Parse never forgets another's statement.
    var id = 0

    init(parse: Parse) {
        self.parse = parse
        var hasher = SHA256()
        hasher.update(data: Array(parse.query.utf8))
        for type in parse.parameterTypes {
            withUnsafeBytes(of: type.bigEndian) { hasher.update(bufferPointer: $0) }
        }
        let digest = hasher.finalize()
        var name = Array("sluice_".utf8)
        name.reserveCapacity(name.count + 24)
        LowercaseHex.append(digest.prefix(12), to: &name)
        self.serverName = String(decoding: name, as: UTF8.self)
    }
}
