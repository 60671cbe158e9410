import SQLPolicy
import SluiceModel
import Testing

/// The verdict cache's second key, the text's shape (constants replaced by
/// their token type): a hit must always be the verdict the parser and walker
/// give the text itself.
@Suite("Verdict cache by shape")
struct ShapeCacheTests {
    let policy = StatementPolicy(context: PolicyContext(role: .customer, mode: .transaction))

    @Test func textsThatDifferOnlyInConstantsShareAJudgement() {
        let cache = VerdictCache(capacity: 100)
        let first = cache.judge("SELECT abalance FROM pgbench_accounts WHERE aid = 17;", policy: policy)
        #expect(first.hit == false)
        let second = cache.judge("SELECT abalance FROM pgbench_accounts WHERE aid = 90210;", policy: policy)
        #expect(second.hit == true)
        #expect(cache.shapeHits == 1)
        #expect(second.judgement == policy.judge("SELECT abalance FROM pgbench_accounts WHERE aid = 90210;"))
        let strings = cache.judge("SELECT * FROM dl_resolved.people WHERE email = 'b@x' AND note = 'it''s'", policy: policy)
        #expect(strings.hit == false)
        #expect(cache.judge("SELECT * FROM dl_resolved.people WHERE email = 'other' AND note = 'y'", policy: policy).hit == true)
        // An escape string has no shape: judged on its own every time.
        _ = cache.judge("SELECT E'a'", policy: policy)
        #expect(cache.judge("SELECT E'b'", policy: policy).hit == false)
    }

    @Test func layoutIsPartOfTheShape() {
        let cache = VerdictCache(capacity: 100)
        _ = cache.judge("SELECT 1 FROM storage.t WHERE a = 1 -- x", policy: policy)
        #expect(cache.judge("SELECT 5 FROM storage.t WHERE a = 2 -- x", policy: policy).hit == true)
        #expect(cache.judge("SELECT  1\nFROM storage.t WHERE a = 2", policy: policy).hit == false)
    }

    @Test func identifiersKeywordsAndOperatorsAreNotConstants() {
        let cache = VerdictCache(capacity: 100)
        _ = cache.judge("SELECT a FROM storage.t", policy: policy)
        #expect(cache.judge("SELECT b FROM storage.t", policy: policy).hit == false)
        #expect(cache.judge("SELECT a FROM \"storage\".t", policy: policy).hit == false)
        _ = cache.judge("INSERT INTO storage.t VALUES (1)", policy: policy)
        let denied = cache.judge("INSERT INTO dl_cache.t VALUES (1)", policy: policy)
        #expect(denied.hit == false)
        #expect(denied.judgement.verdict.denial?.reason == .write)
    }

    @Test func aVerdictThatReadsAConstantIsNeverShared() {
        let cache = VerdictCache(capacity: 100)
        let workMem = cache.judge("SELECT set_config('work_mem', '64MB', false)", policy: policy)
        #expect(workMem.judgement.verdict == .allow)
        let searchPath = cache.judge("SELECT set_config('search_path', 'public', false)", policy: policy)
        #expect(searchPath.hit == false)
        #expect(searchPath.judgement.verdict.denial?.reason == .searchPath)
        _ = cache.judge("SET work_mem = '1MB'", policy: policy)
        #expect(cache.judge("SET work_mem = '2MB'", policy: policy).hit == false)
        let proven = "SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 'work_mem'"
        _ = cache.judge(proven, policy: policy)
        let other = cache.judge("SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 'search_path'", policy: policy)
        #expect(other.hit == false)
        #expect(other.judgement.verdict.denial?.reason == .searchPath)
        #expect(cache.shapeHits == 0)
    }

    @Test func syntaxErrorsAndMultipleStatementsAreNotShared() {
        let cache = VerdictCache(capacity: 100)
        _ = cache.judge("SELECT 1 FROM WHERE 1", policy: policy)
        let again = cache.judge("SELECT 2 FROM WHERE 2", policy: policy)
        #expect(again.hit == false)
        #expect(again.judgement.verdict.denial?.position != nil)
        _ = cache.judge("SELECT 1; SELECT 2", policy: policy)
        #expect(cache.judge("SELECT 3; SELECT 4", policy: policy).hit == false)
    }

    /// Every row of the acceptance table, judged through one shared cache in
    /// which shapes collide (the table repeats statements with other
    /// constants), gets the verdict the policy gives the text alone, twice.
    @Test func theAcceptanceTableThroughOneCacheAgreesWithThePolicy() {
        let cache = VerdictCache(capacity: 100_000)
        for _ in 0..<2 {
            for row in allCases {
                let policy = StatementPolicy(context: row.context)
                let cached = cache.judge(row.sql, policy: policy).judgement
                #expect(cached.verdict == policy.judge(row.sql).verdict, "\(row.sql)")
            }
        }
        #expect(cache.shapeHits > 0)
    }
}
