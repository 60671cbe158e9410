import PGWire

/// A client's unnamed statement under transaction pooling: its last unnamed
/// `Parse`, and how the proxy carries it to whichever server connection the
/// client's next `Bind` lands on.
struct ClientUnnamedStatement: Sendable {
    let parse: Parse
    /// Counts the client's unnamed Parses, so a connection knows whose it holds.
    let sequence: Int
    /// The shared server-side statement it is bound as, when its text repeats
    /// (`UnnamedStatementCache`); nil: the server's own unnamed statement.
    let shared: ClientStatement?
    /// The extended-protocol batch of the Parse. A Bind in that same batch
    /// expects the statement as the server parses it now, so after DDL it may
    /// be re-prepared and retried even when the client asks for no new row
    /// description.
    let batch: Int
    /// `DISCARD ALL` / `DEALLOCATE ALL` (see `ClientStatement.clearsStatements`).
    var clearsStatements = false
    /// It may change session settings (see `ClientStatement.changesSession`).
    var changesSession = false
}
