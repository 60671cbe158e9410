// policy.md, "Everything else": anything the parser cannot parse (reason `syntax`:
// nothing is forwarded; the client gets the parser's message), and "Answers":
// syntax: SQLSTATE `42601`, the parser's message, with its position.
//
// The messages and 1-based character positions are libpg_query 15's own.

private let syntax = "Everything else: anything the parser cannot parse (reason `syntax`: nothing is forwarded; the client gets the parser's message); Answers: `42601`, the parser's message, with its position"
private let whole = "Verdicts: nothing of a text the parser cannot parse reaches the server, allowed statements included"

let syntaxCases: [Case] = [
    Case("SELEC 1", .syntax(#"syntax error at or near "SELEC""#, at: 1), why: syntax),
    Case("SELECT * FROM", .syntax("syntax error at end of input", at: 14), why: syntax),
    Case("SELECT 'unterminated", .syntax(#"unterminated quoted string at or near "'unterminated""#, at: 8), why: syntax),
    Case("SELECT $$unterminated", .syntax(#"unterminated dollar-quoted string at or near "$$unterminated""#, at: 8), why: syntax),
    Case("SELECT 1 /* unterminated", .syntax(#"unterminated /* comment at or near "/* unterminated""#, at: 10), why: syntax),
    Case(#"SELECT "unterminated"#, .syntax(#"unterminated quoted identifier at or near ""unterminated""#, at: 8), why: syntax),
    Case(#"SELECT "" FROM storage.notes"#, .syntax(#"zero-length delimited identifier at or near """""#, at: 8), why: syntax),
    Case(#"SET search_path TO """#, .syntax(#"zero-length delimited identifier at or near """""#, at: 20), why: syntax + " (syntax comes before search_path)"),
    Case(#"SELECT U&'\D800'"#, .syntax("invalid Unicode surrogate pair", at: 16), why: syntax),
    Case(#"SELECT U&"\0000""#, .syntax("invalid Unicode escape value", at: 11), why: syntax),
    Case(#"SELECT U&'\zzzz'"#, .syntax("invalid Unicode escape", at: 11), why: syntax),
    Case(#"SELECT U&"\0073torage" UESCAPE '+'"#, .syntax(#"invalid Unicode escape character at or near "'+'""#, at: 32), why: syntax),
    Case(#"SELECT E'\xC3'"#, .syntax(#"invalid byte sequence for encoding "UTF8": 0xc3"#, at: nil), why: syntax + " (the parser gives no position here)"),
    Case("SELECT 1; SELEC 2", .syntax(#"syntax error at or near "SELEC""#, at: 11), why: whole),
    Case("DELETE FROM dl_cache.person_enrichments; SELEC", .syntax(#"syntax error at or near "SELEC""#, at: 42), why: whole + " (syntax comes before write)"),
    Case("COPY storage.notes FROM STDIN; garbage", .syntax(#"syntax error at or near "garbage""#, at: 32), why: whole),
    Case("INSERT INTO storage.notes VALUES (1", .syntax("syntax error at end of input", at: 36), why: syntax),
    Case("DELETE FROM dl_cache.person_enrichments WHERE", .syntax("syntax error at end of input", at: 46), why: syntax),
    Case("DECLARE c CURSOR FOR DELETE FROM storage.notes", .syntax(#"syntax error at or near "DELETE""#, at: 22), why: syntax),
    Case("SELECT 'a' 'b'", .syntax(#"syntax error at or near "'b'""#, at: 12), why: syntax + " (string constants on one line do not concatenate)"),
    Case("SELECT 123abc", .syntax(#"trailing junk after numeric literal at or near "123a""#, at: 8), why: syntax),
    Case("SELECT 0x1F", .syntax(#"trailing junk after numeric literal at or near "0x""#, at: 8), why: syntax + " (PostgreSQL 15 has no hexadecimal integer literals)"),
    Case("INSERT INTO a.b.storage.t VALUES (1)", .syntax("improper qualified name (too many dotted names): a.b.storage.t", at: 13), why: syntax + " (four-part names)"),
    Case(#"\copy storage.notes from stdin"#, .syntax(#"syntax error at or near "\""#, at: 1), why: syntax + " (a psql meta-command is not SQL)"),
    Case("EXPLAIN VACUUM", .syntax(#"syntax error at or near "VACUUM""#, at: 9), why: syntax),
    Case("SET search_path TO", .syntax("syntax error at end of input", at: 19), why: syntax),
    Case("SET ROLE", .syntax("syntax error at end of input", at: 9), why: syntax),
    Case("SELECT 1 INTO storage.a INTO storage.b", .syntax(#"syntax error at or near "INTO""#, at: 25), why: syntax),
    Case("SELECT * FROM (SELECT 1)", .syntax("subquery in FROM must have an alias", at: 15), why: syntax + " (PostgreSQL 15's grammar)"),
    Case(
        "select * from storage.notes where body = 'é' and x = ;", .syntax(#"syntax error at or near ";""#, at: 54),
        why: syntax + " (the position counts characters, not bytes)"
    ),
    Case("SELEC 1", .syntax(#"syntax error at or near "SELEC""#, at: 1), mode: .transaction, why: syntax),
    Case("SELEC 1", .syntax(#"syntax error at or near "SELEC""#, at: 1), role: .runtime, why: syntax),
    Case("SELEC 1", .syntax(#"syntax error at or near "SELEC""#, at: 1), surface: .tool, why: syntax),
    Case("SELECT 1; SELEC 2", .syntax(#"syntax error at or near "SELEC""#, at: 11), surface: .tool, why: syntax + "; syntax comes first"),
]
