/// `POST /api/v2/ingestion/connection-uris/reveal` `{"kind": "customer", "pooled": true}`;
/// both optional, with those defaults.
struct RevealRequest: StrictBody, Equatable {
    static let fields: Set<String> = ["kind", "pooled"]

    var kind: String?
    var pooled: Bool?

    init(kind: String? = nil, pooled: Bool? = nil) {
        self.kind = kind
        self.pooled = pooled
    }
}
