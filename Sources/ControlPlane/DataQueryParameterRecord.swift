/// One declared parameter of a data query, stored in its own row
/// (`data_query_parameters`, deleted with the query).
public struct DataQueryParameterRecord: Sendable, Equatable {
    public var name: String
    /// `string`, `integer`, `number` or `boolean`.
    public var type: String
    public var description: String
    /// The default as JSON text (`"x"`, `10`, `true`), nil when required.
    public var defaultJSON: String?

    public init(name: String, type: String, description: String, defaultJSON: String?) {
        self.name = name
        self.type = type
        self.description = description
        self.defaultJSON = defaultJSON
    }
}
