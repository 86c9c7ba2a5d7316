import Testing

/// All pool tests share one database with a limited number of connections, so they run
/// one at a time (the nested suites inherit `.serialized`).
@Suite(.serialized)
struct PostgresPoolTests {}
