/// The JSON body of every error: `{"error": {...}}`.
///
/// Kept apart from `APIError` so the wire shape is spelled out in one place
/// (and absent optional members are left out rather than sent as null).
struct APIErrorEnvelope: Encodable {
    struct Body: Encodable {
        var status: Int
        var code: String
        var message: String
        var details: [APIErrorDetail]?
        var sqlstate: String?
        var hint: String?
        var position: Int?
    }

    var error: Body

    init(_ error: APIError) {
        self.error = Body(
            status: error.status.code,
            code: error.code,
            message: error.message,
            details: error.details,
            sqlstate: error.sqlstate,
            hint: error.hint,
            position: error.position
        )
    }
}
