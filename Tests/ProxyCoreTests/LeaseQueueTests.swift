import NIOCore
import PGWire
import Testing

@testable import ProxyCore

/// A transaction-pooled client's messages while it waits for a server
/// connection: held in order, reading paused only when too much waits, a
/// cancel kept for them, and the server's own error semantics when no
/// connection comes (against a real pool: test_transaction_pooling.py).
@Suite struct LeaseQueueTests {
    static func message(_ id: Character, bytes: Int = 5) -> (Frame, ByteBuffer) {
        let code = UInt8(ascii: id.unicodeScalars.first ?? "?")
        let raw = ByteBuffer(repeating: code, count: bytes)
        return (Frame(id: code, payload: ByteBuffer()), raw)
    }

    static func arrive(_ queue: inout LeaseQueue, _ ids: String, attached: Bool = false, bytes: Int = 5) -> [LeaseQueue.Arrival] {
        ids.map { id in
            let (frame, raw) = message(id, bytes: bytes)
            return queue.arrived(frame, raw: raw, attached: attached)
        }
    }

    static let timeout = ErrorFields.make(severity: "ERROR", sqlState: "53300", message: "no server connection")

    static func describe(_ answers: [BackendMessage]) -> String {
        answers.map { message in
            switch message {
            case .errorResponse: return "E"
            case .readyForQuery: return "Z"
            default: return "?"
            }
        }.joined()
    }

    @Test func aClientWithAConnectionIsNotHeld() {
        var queue = LeaseQueue()
        let arrivals = Self.arrive(&queue, "PBES", attached: true)
        #expect(arrivals == [.process, .process, .process, .process])
        #expect(!queue.isWaiting)
    }

    @Test func theFirstMessageAsksForALeaseAndTheRestWaitInOrder() {
        var queue = LeaseQueue()
        let arrivals = Self.arrive(&queue, "PBES")
        #expect(arrivals == [.requestLease, .held, .held, .held])
        #expect(queue.isWaiting)
        let leased = queue.leased()
        #expect(leased.frames.map { Character(Unicode.Scalar($0.frame.id)) } == ["P", "B", "E", "S"])
        #expect(!leased.resumeReading && !leased.cancel)
        #expect(!queue.isWaiting)
        let next = Self.arrive(&queue, "Q", attached: true)
        #expect(next == [.process])
    }

    @Test func readingPausesOncePastTheThresholdAndResumesWithTheLease() {
        var queue = LeaseQueue(pauseThreshold: 100)
        let arrivals = Self.arrive(&queue, "BBBBB", bytes: 30)
        #expect(arrivals == [.requestLease, .held, .held, .pauseReading, .held])
        #expect(queue.readingPaused)
        let leased = queue.leased()
        #expect(leased.resumeReading)
        #expect(!queue.readingPaused)
    }

    @Test func aCancelIsKeptOnlyWhileAQueryWaits() {
        var queue = LeaseQueue()
        let early = queue.cancelRequested()
        #expect(!early)
        _ = Self.arrive(&queue, "Q")
        let waiting = queue.cancelRequested()
        #expect(waiting)
        let leased = queue.leased()
        #expect(leased.cancel)
        let late = queue.cancelRequested()
        #expect(!late, "a late cancel must not hit a later query")
    }

    @Test func simpleQueriesFailOneByOne() {
        var queue = LeaseQueue()
        _ = Self.arrive(&queue, "QQ")
        let failed = queue.leaseFailed(with: Self.timeout, status: .idle)
        #expect(Self.describe(failed.answers) == "EZEZ")
        #expect(queue.state == .idle)
    }

    @Test func aBatchFailsOnceUpToItsSync() {
        var queue = LeaseQueue()
        _ = Self.arrive(&queue, "PBDESQ")
        let failed = queue.leaseFailed(with: Self.timeout, status: .idle)
        #expect(Self.describe(failed.answers) == "EZEZ")
        #expect(queue.state == .idle)
    }

    @Test func aBatchCutBeforeItsSyncIsSkippedToIt() {
        var queue = LeaseQueue(pauseThreshold: 10)
        _ = Self.arrive(&queue, "PBE", bytes: 8)
        let failed = queue.leaseFailed(with: Self.timeout, status: .inTransaction)
        #expect(Self.describe(failed.answers) == "E")
        #expect(failed.resumeReading)
        #expect(queue.state == .skippingToSync)
        let rest = Self.arrive(&queue, "BEHS")
        #expect(rest == [.skip, .skip, .skip, .answerReady])
        let next = Self.arrive(&queue, "Q")
        #expect(next == [.requestLease])
    }

    @Test func flushAloneIsNotAnswered() {
        var queue = LeaseQueue()
        _ = Self.arrive(&queue, "H")
        let failed = queue.leaseFailed(with: Self.timeout, status: .idle)
        #expect(failed.answers.isEmpty)
        #expect(queue.state == .idle)
    }

    /// A message that must wait for earlier answers holds everything after it,
    /// in order, attached or not, and nothing asks for a lease meanwhile.
    @Test func messagesWaitingForAnswersAreHeldInOrder() {
        var queue = LeaseQueue(pauseThreshold: 12)
        let (bind, bindRaw) = Self.message("B")
        queue.waitForAnswers(bind, raw: bindRaw)
        #expect(queue.firstWaitingForAnswers?.frame.id == UInt8(ascii: "B"))
        #expect(!queue.isWaiting)
        let arrivals = Self.arrive(&queue, "ES", attached: true)
        #expect(arrivals == [.held, .pauseReading])
        let released = queue.answersArrived()
        #expect(released.frames.map(\.frame.id) == [UInt8(ascii: "B"), UInt8(ascii: "E"), UInt8(ascii: "S")])
        #expect(released.resumeReading)
        #expect(queue.firstWaitingForAnswers == nil)
        #expect(Self.arrive(&queue, "P", attached: true) == [.process])
    }
}
