@testable import ControlPlane
import Testing

struct APIKeyTokenTests {
    @Test func onlyKeysOfOurFormNameAnID() {
        let secret = String(repeating: "Ab3", count: 13) + "Z"
        #expect(APIKeyToken.id(of: "sluice_ak0123456789abcdef_\(secret)") == "ak0123456789abcdef")
        #expect(APIKeyToken.id(of: "sluice_ak0123456789abcdef_short") == nil)
        #expect(APIKeyToken.id(of: "sluice_AK0123456789abcdef_\(secret)") == nil)
        #expect(APIKeyToken.id(of: "sluice_op_\(secret)") == nil)
        #expect(APIKeyToken.id(of: "sluice_ak0123456789abcdef_\(secret)_x") == nil)
        #expect(APIKeyToken.isValidID("ak0123456789abcdef"))
        #expect(!APIKeyToken.isValidID("ak0123456789abcde"))
        // Ids are UUIDs now (deployed_by is "UUID of the API key").
        let uuid = "6f1c2d3e-0a1b-4c2d-8e3f-0123456789ab"
        #expect(APIKeyToken.isValidID(uuid))
        #expect(!APIKeyToken.isValidID(uuid.uppercased()))
        #expect(!APIKeyToken.isValidID("6f1c2d3e0a1b4c2d8e3f0123456789ab0000"))
        #expect(APIKeyToken.id(of: "sluice_\(uuid)_\(secret)") == uuid)
    }

    @Test func newIDsAreVersion4UUIDs() {
        let ids = (0..<50).map { _ in APIKeyToken.makeID() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(APIKeyToken.isValidID(id), "\(id)")
            let characters = Array(id)
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
            #expect(APIKeyToken.id(of: APIKeyToken.makeKey(id: id)) == id)
        }
    }
}
