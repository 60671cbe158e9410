/// A numbered schema change, recorded in a `schema_migrations` table once
/// applied, so a database says which version of the contract it follows.
struct Migration: Sendable {
    var version: Int
    var description: String
    var steps: [MigrationStep]
}
