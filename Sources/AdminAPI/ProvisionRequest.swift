/// `POST /api/v2/ingestion/provision` takes no members: an empty body or
/// `{}`. Decoded anyway so that a body with members is refused (400), not
/// ignored.
struct ProvisionRequest: StrictBody {
    static let fields: Set<String> = []
}
