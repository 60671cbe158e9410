import PGWire
import Testing

@testable import ProxyCore

/// When an unnamed statement becomes a shared server-side one, and under which name.
@Suite struct UnnamedStatementCacheTests {
    @Test func aTextIsSharedFromItsSecondSighting() {
        let cache = UnnamedStatementCache()
        let parse = Parse(query: "SELECT $1::int", parameterTypes: [23])
        #expect(cache.promotion(for: parse) == nil)
        let second = cache.promotion(for: parse)
        let third = cache.promotion(for: parse)
        #expect(second?.serverName == ClientStatement(parse: parse).serverName)
        #expect(third?.serverName == second?.serverName)
        #expect(second?.parse.query == "SELECT $1::int")
        #expect(second?.parse.parameterTypes == [23])
        #expect(cache.count == 1)
    }

    @Test func parameterTypesArePartOfTheKeyAndTheName() {
        let cache = UnnamedStatementCache()
        let asInt = Parse(query: "SELECT $1", parameterTypes: [23])
        let asText = Parse(query: "SELECT $1", parameterTypes: [25])
        let untyped = Parse(query: "SELECT $1", parameterTypes: [])
        for parse in [asInt, asText, untyped] { #expect(cache.promotion(for: parse) == nil) }
        let names = [asInt, asText, untyped].compactMap { cache.promotion(for: $0)?.serverName }
        #expect(names.count == 3)
        #expect(Set(names).count == 3)
    }

    @Test func namedAndUnnamedStatementsOfOneTextShareTheServerName() {
        let named = ClientStatement(parse: Parse(name: "s1", query: "SELECT 1", parameterTypes: []))
        let cache = UnnamedStatementCache()
        _ = cache.promotion(for: Parse(query: "SELECT 1"))
        #expect(cache.promotion(for: Parse(query: "SELECT 1"))?.serverName == named.serverName)
        #expect(named.serverName.hasPrefix("sluice_"))
        #expect(named.serverName.utf8.count == "sluice_".utf8.count + 24)
        #expect(named.serverName.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
    }

    @Test func longTextsAreNeverRemembered() {
        let cache = UnnamedStatementCache(capacity: 8, maxQueryLength: 16)
        let long = Parse(query: "SELECT 1234567890123")
        #expect(cache.promotion(for: long) == nil)
        #expect(cache.promotion(for: long) == nil)
        #expect(cache.count == 0)
    }

    @Test func aFullCacheStartsOver() {
        let cache = UnnamedStatementCache(capacity: 3, maxQueryLength: 100)
        for i in 0..<3 { #expect(cache.promotion(for: Parse(query: "SELECT \(i)")) == nil) }
        #expect(cache.count == 3)
        // A fourth text empties it: what was seen once must be seen again.
        #expect(cache.promotion(for: Parse(query: "SELECT 3")) == nil)
        #expect(cache.count == 1)
        #expect(cache.promotion(for: Parse(query: "SELECT 0")) == nil)
        #expect(cache.promotion(for: Parse(query: "SELECT 3")) != nil)
    }
}
