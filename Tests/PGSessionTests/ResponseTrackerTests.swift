import XCTest
@testable import PGSession

final class ResponseTrackerTests: XCTestCase {
    typealias Tracker = ResponseTracker<String>

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Feeds server message ids; returns (forwarded ids, completion descriptions).
    func feed(_ tracker: inout Tracker, _ ids: String) -> (forwarded: String, events: [String]) {
        var forwarded = ""
        var events: [String] = []
        for id in ids.utf8 {
            let (disposition, completions) = tracker.received(id)
            if disposition == .forward { forwarded.append(Character(Unicode.Scalar(id))) }
            events += completions.map(describe)
        }
        return (forwarded, events)
    }

    func describe(_ completion: Tracker.Completion) -> String {
        switch completion {
        case .answered(let entry): "answered:\(entry.token)"
        case .failed(let entry): "failed:\(entry.token)"
        case .skipped(let entry): "skipped:\(entry.token)"
        case .emit(let entry): "emit:\(entry.token)"
        }
    }

    func testExtendedBatchIsAttributedInOrder() {
        var tracker = Tracker()
        tracker.sent(.parse, origin: .client, token: "P")
        tracker.sent(.bind, origin: .client, token: "B")
        tracker.sent(.describePortal, origin: .client, token: "D")
        tracker.sent(.execute, origin: .client, token: "E")
        tracker.sent(.sync, origin: .client, token: "S")
        let result = feed(&tracker, "12TDDCZ")
        XCTAssertEqual(result.forwarded, "12TDDCZ")
        XCTAssertEqual(result.events, ["answered:P", "answered:B", "answered:D", "answered:E", "answered:S"])
        XCTAssertTrue(tracker.isIdle)
    }

    func testProxyMessagesAreSwallowedIncludingParameterStatus() {
        var tracker = Tracker()
        tracker.sent(.query, origin: .proxy, token: "settings")
        tracker.sent(.parse, origin: .client, token: "P")
        tracker.sent(.sync, origin: .client, token: "S")
        let result = feed(&tracker, "SCCZ1Z")
        XCTAssertEqual(result.forwarded, "1Z", "the proxy's SET answers and its ParameterStatus stay hidden")
        XCTAssertEqual(result.events, ["answered:settings", "answered:P", "answered:S"])
    }

    func testErrorSkipsToSyncIncludingSyntheticAnswers() {
        var tracker = Tracker()
        tracker.sent(.parse, origin: .client, token: "P1")
        tracker.sent(.bind, origin: .client, token: "B1")
        XCTAssertTrue(tracker.synthesize(.close, token: "C-synthetic").isEmpty, "not at the head yet")
        tracker.sent(.execute, origin: .client, token: "E1")
        tracker.sent(.sync, origin: .client, token: "S")
        let result = feed(&tracker, "1EZ")
        XCTAssertEqual(result.forwarded, "1EZ")
        XCTAssertEqual(result.events, ["answered:P1", "failed:B1", "skipped:C-synthetic", "skipped:E1", "answered:S"])
        XCTAssertTrue(tracker.isIdle)
    }

    func testSyntheticAnswerIsEmittedInItsPlace() {
        var tracker = Tracker()
        tracker.sent(.parse, origin: .client, token: "P")
        XCTAssertTrue(tracker.synthesize(.close, token: "C").isEmpty)
        tracker.sent(.sync, origin: .client, token: "S")
        let result = feed(&tracker, "1Z")
        XCTAssertEqual(result.events, ["answered:P", "emit:C", "answered:S"])
        // At the head already: emitted at once.
        var idle = Tracker()
        let now = idle.synthesize(.parse, token: "now")
        XCTAssertEqual(now.map(describe), ["emit:now"])
    }

    func testQueryErrorDoesNotSkipAndEndsAtReadyForQuery() {
        var tracker = Tracker()
        tracker.sent(.query, origin: .client, token: "Q1")
        tracker.sent(.query, origin: .client, token: "Q2")
        let result = feed(&tracker, "TDCEZCZ")
        XCTAssertEqual(result.events, ["answered:Q1", "answered:Q2"])
        XCTAssertTrue(tracker.isIdle)
    }

    func testDescribeStatementWaitsForRowDescription() {
        var tracker = Tracker()
        tracker.sent(.describeStatement, origin: .client, token: "DS")
        tracker.sent(.sync, origin: .client, token: "S")
        XCTAssertEqual(feed(&tracker, "t").events, [])
        XCTAssertEqual(feed(&tracker, "nZ").events, ["answered:DS", "answered:S"])
    }

    func testCopyInExecuteStaysOwedUntilCommandComplete() {
        var tracker = Tracker()
        tracker.sent(.execute, origin: .client, token: "copy")
        tracker.sent(.sync, origin: .client, token: "S")
        XCTAssertEqual(feed(&tracker, "G").events, [])
        XCTAssertFalse(tracker.isIdle)
        XCTAssertEqual(feed(&tracker, "CZ").events, ["answered:copy", "answered:S"])
    }

    func testAsynchronousMessagesWhenNothingIsOwed() {
        var tracker = Tracker()
        let result = feed(&tracker, "NAS")
        XCTAssertEqual(result.forwarded, "NAS")
        XCTAssertTrue(result.events.isEmpty)
    }

    func testResetDropsEverythingOwed() {
        var tracker = Tracker()
        tracker.sent(.query, origin: .client, token: "Q")
        tracker.sent(.sync, origin: .client, token: "S")
        XCTAssertEqual(tracker.reset().map(\.token), ["Q", "S"])
        XCTAssertTrue(tracker.isIdle)
    }

    /// Random batches against a model of the server: every entry completes
    /// exactly once and the tracker ends idle.
    func testRandomBatchesCompleteEveryEntryOnce() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<500 {
            var tracker = Tracker()
            var expectedServer = ""
            var tokens: [String] = []
            var failedAt: Int?
            let count = Int.random(in: 1...8, using: &generator)
            for index in 0..<count {
                let kind = [Tracker.Kind.parse, .bind, .execute, .close].randomElement(using: &generator) ?? .parse
                tokens.append("m\(index)")
                tracker.sent(kind, origin: .client, token: "m\(index)")
                if failedAt != nil { continue }
                if Int.random(in: 0..<6, using: &generator) == 0 {
                    failedAt = index
                    expectedServer += "E"
                } else {
                    switch kind {
                    case .parse: expectedServer += "1"
                    case .bind: expectedServer += "2"
                    case .execute: expectedServer += "DC"
                    default: expectedServer += "3"
                    }
                }
            }
            tracker.sent(.sync, origin: .client, token: "S")
            expectedServer += "Z"
            let result = feed(&tracker, expectedServer)
            XCTAssertEqual(result.events.count, count + 1)
            XCTAssertTrue(tracker.isIdle)
            XCTAssertEqual(result.events.last, "answered:S")
        }
    }
}
