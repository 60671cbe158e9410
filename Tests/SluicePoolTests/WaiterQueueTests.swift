import Testing

@testable import SluicePool

@Suite("WaiterQueue")
struct WaiterQueueTests {
    private func waiter(_ request: String, _ seconds: Double) -> PoolWaiter<String> {
        PoolWaiter(request: request, requestedAt: t(seconds))
    }

    private func drain(_ queue: inout WaiterQueue<String>) -> [String] {
        var order: [String] = []
        while let next = queue.popFirst() {
            order.append(next.request)
        }
        return order
    }

    @Test func isFIFOAndRejectsDuplicates() {
        var queue = WaiterQueue<String>()
        let addedA = queue.append(waiter("a", 0))
        let addedB = queue.append(waiter("b", 1))
        let addedDuplicate = queue.append(waiter("a", 2))
        #expect(addedA && addedB && !addedDuplicate)
        #expect(queue.count == 2)
        #expect(queue.first?.request == "a")
        #expect(drain(&queue) == ["a", "b"])
        #expect(queue.isEmpty)
    }

    @Test func removalLeavesOthersInOrderAndAllowsReAdding() {
        var queue = WaiterQueue<String>()
        for (index, request) in ["a", "b", "c", "d"].enumerated() {
            _ = queue.append(waiter(request, Double(index)))
        }
        let removedFront = queue.remove("a")
        #expect(removedFront)
        #expect(queue.first?.request == "b")
        let removedMiddle = queue.remove("c")
        let removedAgain = queue.remove("c")
        #expect(removedMiddle && !removedAgain)
        #expect(!queue.contains("c"))
        // Re-adding a cancelled request must not revive its old position.
        let readded = queue.append(waiter("c", 9))
        #expect(readded)
        #expect(queue.violations() == [])
        #expect(drain(&queue) == ["b", "d", "c"])
    }

    @Test func insertByAgeRestoresARequestsPlace() {
        var queue = WaiterQueue<String>()
        _ = queue.append(waiter("b", 2))
        _ = queue.append(waiter("d", 4))
        _ = queue.append(waiter("x", 5))
        let inserted = [
            queue.insertByAge(waiter("c", 3)),
            queue.insertByAge(waiter("a", 1)),
            // Same instant as "x": it was served ahead of "x", so it goes back
            // ahead of it.
            queue.insertByAge(waiter("e", 5)),
            queue.insertByAge(waiter("a", 0)),
        ]
        #expect(inserted == [true, true, true, false])
        #expect(queue.violations() == [])
        #expect(drain(&queue) == ["a", "b", "c", "d", "e", "x"])
    }

    @Test func massCancellationCompactsAndStaysConsistent() {
        var queue = WaiterQueue<String>()
        for index in 0..<1_000 {
            _ = queue.append(waiter("r\(index)", Double(index)))
        }
        var removed = 0
        for index in stride(from: 1, to: 1_000, by: 2) where queue.remove("r\(index)") {
            removed += 1
        }
        for index in stride(from: 998, through: 100, by: -2) where queue.remove("r\(index)") {
            removed += 1
        }
        #expect(removed == 950)
        #expect(queue.violations() == [])
        #expect(queue.count == 50)
        #expect(drain(&queue) == stride(from: 0, to: 100, by: 2).map { "r\($0)" })
    }

    @Test func removeAllReturnsLiveWaitersOldestFirst() {
        var queue = WaiterQueue<String>()
        _ = queue.append(waiter("a", 0))
        _ = queue.append(waiter("b", 1))
        _ = queue.append(waiter("c", 2))
        _ = queue.remove("b")
        let remaining = queue.removeAll().map(\.request)
        #expect(remaining == ["a", "c"])
        #expect(queue.isEmpty)
        #expect(queue.first == nil)
    }
}
