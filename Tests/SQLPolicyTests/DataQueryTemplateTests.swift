import SQLPolicy
import SluiceModel
import Testing

/// `:name` placeholders are found by the PostgreSQL scanner (issue 6).
@Suite("Data query templates")
struct DataQueryTemplateTests {
    private func compiled(_ template: String) throws -> DataQueryTemplate {
        try DataQueryTemplate.compile(template).get()
    }

    @Test func placeholdersBecomeNumberedParameters() throws {
        let template = try compiled("SELECT * FROM storage.people WHERE domain = :domain LIMIT :limit")
        #expect(template.sql == "SELECT * FROM storage.people WHERE domain = $1 LIMIT $2")
        #expect(template.names == ["domain", "limit"])
    }

    @Test func aRepeatedNameIsOneParameter() throws {
        let template = try compiled("SELECT :a, :b, :a")
        #expect(template.sql == "SELECT $1, $2, $1")
        #expect(template.names == ["a", "b"])
    }

    @Test func aStringLiteralHoldsNoPlaceholder() throws {
        let template = try compiled("SELECT * FROM storage.t WHERE note = ':not_a_param' AND id = :id")
        #expect(template.names == ["id"])
        #expect(template.sql == "SELECT * FROM storage.t WHERE note = ':not_a_param' AND id = $1")
    }

    @Test func dollarQuotedAndEscapeStringsHoldNone() throws {
        #expect(try compiled("SELECT $$ :x $$, E'\\' :y', :z").names == ["z"])
    }

    @Test func aCastIsNotAPlaceholder() throws {
        let template = try compiled("SELECT x::text, :v::integer FROM storage.t")
        #expect(template.names == ["v"])
        #expect(template.sql == "SELECT x::text, $1::integer FROM storage.t")
    }

    @Test func quotedIdentifiersAndCommentsHoldNone() throws {
        let template = try compiled("SELECT \"a:b\" -- :c\n FROM storage.t /* :d */ WHERE e = :e")
        #expect(template.names == ["e"])
    }

    @Test func aColonBeforeAQuotedIdentifierIsNotAPlaceholder() throws {
        #expect(try compiled("SELECT arr[1:2], x FROM storage.t").names.isEmpty)
        #expect(try compiled("SELECT :\"x\"").names.isEmpty)
    }

    @Test func aKeywordNameIsAPlaceholder() throws {
        #expect(try compiled("SELECT 1 LIMIT :limit OFFSET :offset").names == ["limit", "offset"])
    }

    @Test func aColonWithSpaceIsNotAPlaceholder() throws {
        #expect(try compiled("SELECT : x").names.isEmpty)
    }

    @Test func positionalParametersAreRefused() {
        #expect(DataQueryTemplate.compile("SELECT $1") == .failure(.positionalParameter(position: 8)))
    }

    @Test func anUnterminatedStringIsASyntaxError() {
        guard case .failure(.syntax) = DataQueryTemplate.compile("SELECT 'abc") else {
            Issue.record("expected a syntax failure")
            return
        }
    }

    @Test func multibyteTextIsKeptExactly() throws {
        let template = try compiled("SELECT 'é:ü' AS \"naïve\", :p")
        #expect(template.sql == "SELECT 'é:ü' AS \"naïve\", $1")
    }

    @Test func writesAreMarkedForTheTool() {
        let policy = StatementPolicy(context: PolicyContext(role: .customer, mode: .transaction, surface: .tool))
        #expect(policy.judge("INSERT INTO storage.t VALUES (1)").statements.first?.writes == true)
        #expect(policy.judge("WITH x AS (DELETE FROM storage.t RETURNING 1) SELECT * FROM x").statements.first?.writes == true)
        #expect(policy.judge("CREATE TABLE storage.t (a int)").statements.first?.writes == true)
        #expect(policy.judge("DROP TABLE storage.t").statements.first?.writes == true)
        #expect(policy.judge("SELECT * FROM storage.t FOR UPDATE").statements.first?.writes == true)
        #expect(policy.judge("SELECT * FROM storage.t").statements.first?.writes == false)
        #expect(policy.judge("EXPLAIN SELECT 1").statements.first?.writes == false)
    }
}
