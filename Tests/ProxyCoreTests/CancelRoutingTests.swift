import NIOConcurrencyHelpers
import PGWire
import Testing

@testable import ProxyCore

/// Cancel keys of one of several Sluice processes: its number in the process
/// ID, the rest random, and where a CancelRequest goes. (Two processes
/// against a real server: `ProxyTests.Cancel.aCancelSentToAnotherInstanceIsPassedOn`
/// and tests/integration/test_cancel_instances.py.)
@Suite struct CancelRoutingTests {
    let routing = CancelRouting(instance: 7, peers: [
        3: CancelRouting.Peer(host: "10.0.0.3", port: 6432),
        255: CancelRouting.Peer(host: "::1", port: 7000),
    ])

    @Test func keysCarryTheInstanceAndStayPositive() {
        for instance: UInt8 in [0, 1, 7, 128, 255] {
            let routing = CancelRouting(instance: instance)
            for random in [CancelRouting.randomRange.lowerBound, 12345, CancelRouting.randomRange.upperBound - 1] {
                let pid = routing.processID(random: random)
                #expect(pid > 0)
                #expect(CancelRouting.instance(ofProcessID: pid) == instance)
                #expect(pid & 0x7F_FFFF == random, "the random part is kept whole")
            }
        }
    }

    @Test func aCancelGoesToTheInstanceItsKeyNames() {
        #expect(routing.route(CancelRouting(instance: 7).processID(random: 99)) == .local)
        #expect(routing.route(CancelRouting(instance: 3).processID(random: 99)) == .peer(CancelRouting.Peer(host: "10.0.0.3", port: 6432)))
        #expect(routing.route(CancelRouting(instance: 255).processID(random: 1)) == .peer(CancelRouting.Peer(host: "::1", port: 7000)))
        #expect(routing.route(CancelRouting(instance: 4).processID(random: 99)) == .unknown(4))
        #expect("\(CancelRouting.Peer(host: "::1", port: 7000))" == "[::1]:7000")
    }

    /// `peers` pointing a number at the wrong process (here: at this one) must
    /// not bounce a cancel between processes: a passed-on cancel is never
    /// passed on again, and is delivered with its mark taken off.
    @Test func aCancelIsPassedOnAtMostOnce() {
        let registry = CancelRegistry(routing: CancelRouting(instance: 1, peers: [2: CancelRouting.Peer(host: "127.0.0.1", port: 1)]))
        let delivered = Counter()
        let key = registry.register { delivered.increment() }
        let foreign = CancelRequest(processID: CancelRouting(instance: 2).processID(random: 5), secretKey: 9)
        #expect(registry.route(foreign) == .peer(CancelRouting.Peer(host: "127.0.0.1", port: 1)))
        let marked = CancelRouting.passedOn(foreign)
        #expect(CancelRouting.wasPassedOn(marked) && !CancelRouting.wasPassedOn(foreign))
        #expect(registry.route(marked) == .local, "never passed on twice")
        registry.cancel(marked)
        #expect(delivered.value == 0, "not this process's key")
        let own = CancelRouting.passedOn(CancelRequest(processID: key.processID, secretKey: key.secretKey))
        #expect(registry.route(own) == .local)
        registry.cancel(own)
        #expect(delivered.value == 1, "its own key, passed back to it, is delivered")
    }

    @Test func theRegistryGivesOutKeysWithItsNumber() {
        let registry = CancelRegistry(routing: CancelRouting(instance: 200))
        for _ in 0..<100 {
            let key = registry.register {}
            #expect(CancelRouting.instance(ofProcessID: key.processID) == 200)
            #expect(registry.route(CancelRequest(processID: key.processID, secretKey: key.secretKey)) == .local)
        }
        #expect(registry.count == 100, "no key given out twice")
        // Without routing every key is this process's, whatever its bits.
        let single = CancelRegistry()
        #expect(single.route(CancelRequest(processID: 200 << 23 | 5, secretKey: 1)) == .local)
    }
}

/// Counts deliveries (called from the registry, on any thread).
private final class Counter: Sendable {
    private let count = NIOLockedValueBox(0)
    func increment() { count.withLockedValue { $0 += 1 } }
    var value: Int { count.withLockedValue { $0 } }
}
