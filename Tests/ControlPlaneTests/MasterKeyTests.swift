import Crypto
import Foundation
import Testing

@testable import ControlPlane

@Suite struct MasterKeyTests {
    let key = MasterKey.generate()

    @Test func sealThenOpenGivesThePlaintextBack() throws {
        for plaintext in ["", "hunter2", "pässwörd 李小龙 🙂", String(repeating: "x", count: 10_000)] {
            let sealed = try key.seal(plaintext)
            #expect(sealed.count == 12 + plaintext.utf8.count + 16)
            #expect(try key.open(sealed) == plaintext)
        }
    }

    @Test func sealingTwiceUsesFreshNonces() throws {
        #expect(try key.seal("same") != key.seal("same"))
    }

    @Test func anyAlteredByteIsDetected() throws {
        let sealed = try key.seal("a secret password")
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: ControlPlaneError.decryptionFailed) { try key.open(tampered) }
        }
        #expect(throws: ControlPlaneError.decryptionFailed) { try key.open(Array(sealed.dropLast())) }
        #expect(throws: ControlPlaneError.decryptionFailed) { try key.open([]) }
    }

    @Test func theWrongKeyOrContextDoesNotOpen() throws {
        let sealed = try key.seal("secret", context: "ws/acme/customer")
        #expect(try key.open(sealed, context: "ws/acme/customer") == "secret")
        #expect(throws: ControlPlaneError.decryptionFailed) { try key.open(sealed, context: "ws/acme/runtime") }
        #expect(throws: ControlPlaneError.decryptionFailed) {
            try MasterKey.generate().open(sealed, context: "ws/acme/customer")
        }
    }

    @Test func base64KeysMustBe32Bytes() throws {
        let bytes = (0..<32).map { UInt8($0) }
        let fromText = try MasterKey(base64: Data(bytes).base64EncodedString())
        let fromKey = try MasterKey(key: SymmetricKey(data: bytes))
        #expect(try fromKey.open(fromText.seal("x")) == "x")
        #expect(fromText.base64 == Data(bytes).base64EncodedString())

        do {
            _ = try MasterKey(base64: Data(bytes.prefix(16)).base64EncodedString())
            Issue.record("a 16-byte key was accepted")
        } catch let error as ControlPlaneError {
            #expect(error.description.contains("32 bytes"))
            #expect(error.description.contains("16"))
        }
        #expect(throws: ControlPlaneError.self) { try MasterKey(base64: "not base64!") }
        #expect(throws: ControlPlaneError.self) { try MasterKey(key: SymmetricKey(size: .bits128)) }
    }

    @Test func descriptionsNeverShowTheKey() {
        #expect(!"\(key)".contains(key.base64))
        #expect(!String(reflecting: key).contains(key.base64))
    }

    @Test func constantTimeEqualsComparesContents() {
        #expect(MasterKey.constantTimeEquals([], []))
        #expect(MasterKey.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!MasterKey.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!MasterKey.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(!MasterKey.constantTimeEquals([0x80], [0x00]))
    }

    @Test func passwordsHaveTheLengthAndAlphabet() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        #expect(MasterKey.randomPassword().count == 40)
        for length in [1, 7, 40, 64, 257] {
            let password = MasterKey.randomPassword(length: length)
            #expect(password.count == length)
            #expect(password.allSatisfy { allowed.contains($0) })
        }
        #expect(MasterKey.randomPassword(length: 0) == "")
        #expect(MasterKey.randomPassword(length: -3) == "")
        let many = Set((0..<100).map { _ in MasterKey.randomPassword() })
        #expect(many.count == 100)
    }

    @Test func everyCharacterOfTheAlphabetTurnsUp() {
        // 62 characters over 62 000 draws: each is expected ~1000 times; a
        // modulo-biased generator would give the first 8 about 25% more.
        var counts: [Character: Int] = [:]
        for character in MasterKey.randomPassword(length: 62_000) {
            counts[character, default: 0] += 1
        }
        #expect(counts.count == 62)
        #expect(counts.values.allSatisfy { (800...1200).contains($0) })
    }
}
