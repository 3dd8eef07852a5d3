/// One versioned schema change: statements applied in one transaction, recorded in
/// `schema_migrations`. Versions only grow; an applied migration is never edited.
struct Migration: Sendable {
  var version: Int
  var name: String
  var statements: [String]
}
