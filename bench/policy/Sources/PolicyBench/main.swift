// Micro-benchmark of the statement policy (SQLPolicy), see bench/README.md.
//
//   bench/policy/run.sh [--rounds N] [--round-ms MS]
//
// Every operation runs in ROUNDS rounds; a round times a batch of calls with
// ContinuousClock (batch size calibrated so one round lasts about ROUND_MS) and
// yields one time per call. The table gives the median and the 90th percentile
// of those per-round times. Rounds of the different operations are interleaved
// (round r runs every operation, in an order rotated by r) so that a noisy
// moment of a shared machine spreads over all of them instead of hitting one.
// Targets are judged on the median.

import Foundation
import RawParse
import SQLPolicy

// MARK: - Options

struct Options {
    var rounds = 31
    var roundMilliseconds = 20.0
    /// Operation ids to run (all when empty), e.g. to profile one under perf.
    var only: Set<String> = []

    @MainActor init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rounds":
                rounds = iterator.next().flatMap(Int.init).map { max(3, $0) } ?? rounds
            case "--round-ms":
                roundMilliseconds = iterator.next().flatMap(Double.init).map { max(1, $0) } ?? roundMilliseconds
            case "--only":
                only = Set((iterator.next() ?? "").split(separator: ",").map(String.init))
            case "-h", "--help":
                print("usage: PolicyBench [--rounds N (default 31)] [--round-ms MS (default 20)] [--only ID[,ID...]]")
                print("ids: \(allOperations.map(\.id).joined(separator: ", "))")
                exit(0)
            default:
                print("unknown argument \(argument); try --help")
                exit(2)
            }
        }
    }
}

// MARK: - The statements

/// The ~200-byte read with two joins; `k` varies a constant so every text is unique.
func joinSelect(_ k: Int) -> String {
    "SELECT p.display_name, o.status FROM dl_resolved.people p "
        + "JOIN dl_resolved.companies c ON c.domain = p.company_domain "
        + "JOIN dl_override.person_overrides o USING (identity_key) WHERE c.employee_count > \(k)"
}

func storageWrite(_ k: Int) -> String {
    "INSERT INTO storage.notes (person_id, body) SELECT identity_key, display_name FROM dl_resolved.people "
        + "WHERE title = 'CTO \(k)' ON CONFLICT DO NOTHING"
}

func deniedWrite(_ k: Int) -> String {
    "UPDATE dl_cache.person_enrichments SET title = 'CTO' WHERE identity_key = 'person-\(k)'"
}

func multiStatement(_ k: Int) -> String {
    "BEGIN; SELECT count(*) FROM dl_resolved.people WHERE title = 'CTO \(k)'; "
        + "INSERT INTO storage.notes (person_id, body) VALUES ('person-\(k)', 'seen'); "
        + "UPDATE storage.notes SET body = 'again' WHERE person_id = 'person-\(k)'; COMMIT"
}

func tenCTEs(_ k: Int) -> String {
    var parts = ["c1 AS (SELECT identity_key, display_name, company_domain FROM dl_resolved.people WHERE title = 'CTO \(k)')"]
    for i in 2...10 {
        let source = i % 3 == 0
            ? "c\(i - 1) JOIN dl_resolved.companies co ON co.domain = c\(i - 1).company_domain"
            : "c\(i - 1)"
        parts.append("c\(i) AS (SELECT c\(i - 1).identity_key, c\(i - 1).display_name, c\(i - 1).company_domain FROM \(source) WHERE c\(i - 1).identity_key <> 'x\(i)')")
    }
    return "WITH " + parts.joined(separator: ", ") + " SELECT count(*) FROM c10"
}

func trivial(_ k: Int) -> String { "SELECT \(k)" }

/// The statement of bench/pgbench.sh's -M simple runs (pgbench -S, schema-qualified).
func pgbenchSelect(_ k: Int) -> String {
    "SELECT abalance FROM storage.pgbench_accounts WHERE aid = \(k % 100_000 + 1);"
}

// MARK: - Operations

let context = PolicyContext(role: .customer, mode: .transaction)
let policy = StatementPolicy(context: context)

enum Expect { case allow, deny }

struct Operation {
    var id: String
    var name: String
    /// Statement text of call `i` (unique per call where it matters).
    var text: (Int) -> String
    var expect: Expect
    var targetMicroseconds: Double?
    /// Prepares what one round needs (untimed), returns the timed body.
    var prepare: (_ round: Int, _ count: Int) -> (() -> Int)
}

/// A counter the optimizer cannot see through, so no call is dropped.
nonisolated(unsafe) var sink = 0

func uncached(_ id: String, _ name: String, _ make: @escaping (Int) -> String, expect: Expect, target: Double? = nil) -> Operation {
    Operation(id: id, name: name, text: make, expect: expect, targetMicroseconds: target) { round, count in
        let base = (round + 1) * 1_000_000
        let texts = (0..<count).map { make(base + $0) }
        return {
            var total = 0
            for text in texts { total &+= policy.judge(text).statements.count }
            return total
        }
    }
}

func raw(_ id: String, _ name: String, _ make: @escaping (Int) -> String, _ parse: @escaping (UnsafePointer<CChar>) -> Int) -> Operation {
    Operation(id: id, name: name, text: make, expect: .allow, targetMicroseconds: nil) { round, count in
        let base = (round + 1) * 1_000_000
        let texts = (0..<count).map { make(base + $0) }
        return {
            var total = 0
            for text in texts { total &+= text.withCString(parse) }
            return total
        }
    }
}

// The cache the proxy uses (capacity as SLUICE_VERDICT_CACHE_SIZE's default),
// holding a few thousand other statements besides the hot one.
let cache = VerdictCache(capacity: 10_000)
for k in 0..<4_000 { _ = cache.judge(joinSelect(k), policy: policy) }
let hotText = joinSelect(42)
_ = cache.judge(hotText, policy: policy)

let allOperations: [Operation] = [
    Operation(id: "cached", name: "cached verdict (2-join SELECT, VerdictCache hit)", text: { _ in hotText }, expect: .allow, targetMicroseconds: 2) { _, count in
        {
            var total = 0
            for _ in 0..<count {
                let (judgement, hit) = cache.judge(hotText, policy: policy)
                total &+= judgement.statements.count &+ (hit ? 1 : 1_000_000)
            }
            return total
        }
    },
    uncached("uncached", "uncached verdict (2-join SELECT, parse + walk)", joinSelect, expect: .allow, target: 25),
    Operation(id: "miss", name: "cache miss (2-join SELECT via VerdictCache)", text: joinSelect, expect: .allow, targetMicroseconds: nil) { round, count in
        let base = (round + 1) * 1_000_000
        let texts = (0..<count).map { joinSelect(base + $0) }
        let missCache = VerdictCache(capacity: 10_000)
        return {
            var total = 0
            for text in texts { total &+= missCache.judge(text, policy: policy).judgement.statements.count }
            return total
        }
    },
    // pgbench -S: every call a new aid, so the exact text never repeats; the
    // shape (constants replaced by their token type) does.
    Operation(id: "shape", name: "cache hit by shape (pgbench -S statement, new aid each call)", text: pgbenchSelect, expect: .allow, targetMicroseconds: nil) { round, count in
        let base = (round + 1) * 1_000_000
        let texts = (0..<count).map { pgbenchSelect(base + $0) }
        let shapeCache = VerdictCache(capacity: 10_000)
        _ = shapeCache.judge(pgbenchSelect(0), policy: policy)
        return {
            var total = 0
            for text in texts {
                let (judgement, hit) = shapeCache.judge(text, policy: policy)
                total &+= judgement.statements.count &+ (hit ? 1 : 1_000_000)
            }
            return total
        }
    },
    uncached("write", "write to storage (INSERT ... SELECT)", storageWrite, expect: .allow),
    uncached("denied", "denied write (UPDATE dl_cache)", deniedWrite, expect: .deny),
    uncached("multi", "multi-statement text (5 statements)", multiStatement, expect: .allow),
    uncached("cte10", "10-CTE query", tenCTEs, expect: .allow),
    uncached("pgbench", "pgbench -S statement (uncached)", pgbenchSelect, expect: .allow),
    uncached("trivial", "trivial SELECT (floor)", trivial, expect: .allow),
    // Breakdown of the uncached 2-join verdict: the C parser alone.
    raw("c-json", "  of which libpg_query parse + JSON out (C)", joinSelect) { bench_parse_json($0) },
    raw("c-protobuf", "  (libpg_query parse + protobuf out, for comparison)", joinSelect) { bench_parse_protobuf($0) },
]

// MARK: - Measuring

let options = Options(CommandLine.arguments)
let operations = options.only.isEmpty ? allOperations : allOperations.filter { options.only.contains($0.id) }
if operations.isEmpty {
    print("no operation matches --only; ids: \(allOperations.map(\.id).joined(separator: ", "))")
    exit(2)
}
let clock = ContinuousClock()

extension Duration {
    var nanoseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}

// Sanity: every statement gets the verdict the table claims, else the numbers mean nothing.
for operation in operations {
    let verdict = policy.judge(operation.text(7)).verdict
    let ok = operation.expect == .allow ? verdict.isAllowed : !verdict.isAllowed
    guard ok else {
        print("unexpected verdict \(verdict) for \(operation.name): \(operation.text(7))")
        exit(1)
    }
}

/// Calls per round so that one round lasts about `roundMilliseconds`.
func calibrate(_ operation: Operation) -> Int {
    var count = 16
    while true {
        let body = operation.prepare(0, count)
        sink &+= body() // warm-up
        let elapsed = clock.measure { sink &+= body() }.nanoseconds
        if elapsed >= options.roundMilliseconds * 1e6 / 4 || count >= 1 << 24 {
            return max(16, Int(Double(count) * options.roundMilliseconds * 1e6 / max(elapsed, 1)))
        }
        count *= 4
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    // Nearest rank.
    let rank = Int((p * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

print("Sluice statement policy micro-benchmark")
print("context: customer, transaction pooling, wire; \(options.rounds) rounds of ~\(Int(options.roundMilliseconds)) ms per operation, interleaved")
print("")

let counts = operations.map(calibrate)
var samples = Array(repeating: [Double](), count: operations.count)
for round in 0..<options.rounds {
    for step in operations.indices {
        let index = (step + round) % operations.count
        let count = counts[index]
        let body = operations[index].prepare(round + 1, count)
        let elapsed = clock.measure { sink &+= body() }.nanoseconds
        samples[index].append(elapsed / Double(count) / 1000)
    }
}

// MARK: - Report

func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
}

func format(_ microseconds: Double) -> String {
    String(format: microseconds < 10 ? "%.3f" : "%.2f", microseconds)
}

var medians: [String: Double] = [:]
let header = [pad("operation", 50), pad("bytes", 6, right: true), pad("calls/round", 12, right: true),
              pad("median µs", 10, right: true), pad("p90 µs", 10, right: true), pad("target µs", 10, right: true), "  result"]
print(header.joined(separator: " "))
print(String(repeating: "-", count: 115))
var missed = false
for (index, operation) in operations.enumerated() {
    let sorted = samples[index].sorted()
    let median = percentile(sorted, 0.5)
    let p90 = percentile(sorted, 0.9)
    medians[operation.id] = median
    var result = "  -"
    var target = "-"
    if let goal = operation.targetMicroseconds {
        target = "≤ " + format(goal)
        result = median <= goal ? "  PASS" : "  MISS"
        if median > goal { missed = true }
    }
    print([
        pad(operation.name, 50), pad(String(operation.text(7).utf8.count), 6, right: true),
        pad(String(counts[index]), 12, right: true), pad(format(median), 10, right: true),
        pad(format(p90), 10, right: true), pad(target, 10, right: true), result,
    ].joined(separator: " "))
}
print("")
if let uncached = medians["uncached"], let cached = medians["cached"] {
    print("ratio uncached/cached (medians): \(String(format: "%.1f", uncached / cached))x")
}
if let miss = medians["miss"], let uncached = medians["uncached"] {
    print("ratio cache-miss/uncached (medians; the cache's own cost on a miss): \(String(format: "%.2f", miss / uncached))x")
}
if let json = medians["c-json"], let uncached = medians["uncached"] {
    print("share of the uncached verdict spent in libpg_query (C parse + JSON out): \(String(format: "%.0f", 100 * json / uncached))%; "
        + "the rest is Swift (reading the JSON tree, walking it)")
}
print("(PASS/MISS on the median; p90 for information. checksum \(sink & 0xffff))")
exit(missed ? 1 : 0)
