import ControlPlane
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
    }
}
