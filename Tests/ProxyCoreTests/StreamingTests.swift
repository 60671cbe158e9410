import NIOCore
import PGWire
import SluiceTestSupport
import Testing

extension ProxyTests {
    /// Results far larger than any buffer arrive whole, in both directions.
    @Suite struct Streaming {
        static let rows = 200_000
        static let rowSQL = "SELECT g, repeat('x', 200) FROM generate_series(1, \(rows)) g"

        @Test func largeSelectArrivesCompletely() async throws {
            try await ProxyHarness.run { proxy in
                let (client, _) = try await proxy.login()
                let tally = try await client.tallyQuery(Self.rowSQL, timeout: .seconds(90))
                #expect(tally.error == nil)
                #expect(tally.dataRows == Self.rows)
                #expect(tally.commandTag == "SELECT \(Self.rows)")
                #expect(tally.messages.last == .readyForQuery(.idle))
                #expect(try await client.simpleQuery("SELECT 1").firstValue == "1")
            }
        }

        @Test func largeCopyOutArrivesCompletely() async throws {
            try await ProxyHarness.run { proxy in
                let (client, _) = try await proxy.login()
                let tally = try await client.tallyQuery("COPY (\(Self.rowSQL)) TO STDOUT", timeout: .seconds(90))
                #expect(tally.error == nil)
                #expect(tally.copyDataMessages == Self.rows)
                // Each line is "<g>\t<200 x>\n".
                let digits = (1...Self.rows).reduce(0) { $0 + String($1).utf8.count }
                #expect(tally.copyDataBytes == digits + Self.rows * 202)
                #expect(tally.messages.contains { if case .copyOutResponse = $0 { true } else { false } })
                #expect(tally.messages.contains(.copyDone))
                #expect(tally.commandTag == "COPY \(Self.rows)")
            }
        }

        @Test func copyInOfTenThousandRows() async throws {
            try await ProxyHarness.run { proxy in
                let (client, _) = try await proxy.login()
                let created = try await client.simpleQuery("CREATE TEMP TABLE copy_target (id int, label text)")
                #expect(created.errors.isEmpty)

                try await client.send(.query("COPY copy_target FROM STDIN"))
                let response = try await client.readMessage()
                guard case .copyInResponse = response else {
                    Issue.record("expected CopyInResponse, got \(response)")
                    return
                }
                let count = 10_000
                var messages: [FrontendMessage] = (1...count).map { id in
                    .copyData(ByteBuffer(string: "\(id)\tlabel-\(id)\n"))
                }
                messages.append(.copyDone)
                try await client.send(messages)
                let done = try await client.readUntilReadyForQuery()
                #expect(done.errors.isEmpty)
                #expect(done.commandTags == ["COPY \(count)"])

                let check = try await client.simpleQuery("SELECT count(*), sum(id), count(DISTINCT label) FROM copy_target")
                #expect(check.rows == [["\(count)", "\(count * (count + 1) / 2)", "\(count)"]])
            }
        }
    }
}
