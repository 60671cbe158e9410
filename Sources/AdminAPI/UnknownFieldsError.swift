/// A request object had members the endpoint does not define.
struct UnknownFieldsError: Error {
    /// Where the object sits in the body, as `details[].field` writes it
    /// (`parameters[0]`; empty at the top level).
    var path: String
    var names: [String]
}
