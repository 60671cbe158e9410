import PGWire

/// What the proxy notes about one message it sent upstream, to act on when
/// the server answers it (see `ResponseTracker`).
struct FlowToken: Sendable {
    /// A stand-in for a refused message: answer its error with this one.
    var denial: ErrorFields?
    /// The client's name of a statement this Parse prepares (forgotten if it
    /// fails), and which of its Parses this is (`ClientStatement.id`).
    var clientStatement: String?
    var statementID = 0
    /// A proxy-answered Close of a client statement (`ClientStatementBook.close`).
    var closeSequence: Int?
    /// The shared server-side name this Parse prepares on the connection.
    var serverStatement: String?
    /// The client's unnamed Parse (by sequence) this shared Parse stands for (forgotten if it fails).
    var unnamedSequence: Int?
    /// A proxy-sent message whose error the client must see anyway.
    var showsError = false
    /// A Parse of the client's unnamed statement (by sequence) as the server's
    /// unnamed statement (the client's own, or `ensureUnnamed`'s replay):
    /// answered, the connection holds it; failed or skipped, it does not.
    var serverUnnamed: Int?
    /// A synthetic answer the proxy gives the client at this point.
    var emit: BackendMessage?
    /// With `emit`: the client's statement a proxy-answered `DEALLOCATE` forgets then.
    var deallocates: String?
    /// The client's text may change session settings: read them back before release.
    var changesSession = false
    /// DISCARD ALL / DEALLOCATE ALL: prepared statements are gone on this connection.
    var clearsStatements = false
    /// The settings read-back query: its rows are the client's settings.
    var captureSettings = false
    /// Settings to restore if applying the client's settings fails.
    var restoreSettings: [String: String]?
    /// A read-back that gives back startup settings a `RESET` took away
    /// (`ClientSessionSettings.takeReadback`): its `ParameterStatus` messages are the client's.
    var reportsSettings = false
    /// A client Bind of the unnamed portal: the ticket `UnnamedPortal.bindSent` gave.
    var unnamedPortalTicket: Int?
    /// A client Bind of this shared statement (for the retry after DDL).
    var boundStatement: String?
    /// The client's name for it (empty: the unnamed statement), which the
    /// server's errors about the Bind must say instead of the shared name.
    var boundName: String?
    /// That Bind is in the same batch as the client's Parse of the statement.
    var parsedInBatch = false
    /// The extended-protocol batch this message belongs to, and its place in the batch's log.
    var batch: Int?
    var logIndex: Int?
}
