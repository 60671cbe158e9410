/// The wrapper the decoder decodes, checking keys before the body itself.
struct Strict<Body: StrictBody>: Decodable {
    var body: Body

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Body.fields)
        body = try Body(from: decoder)
    }
}
