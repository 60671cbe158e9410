import SluiceModel
import Testing

/// `ClientUser.parse` names exactly what is wrong with a user name, so a
/// client can fix it without learning whether a workspace exists.
struct ClientUserTests {
    @Test(arguments: [
        ("customer.acme", RoleKind.customer, "acme"),
        ("runtime.acme", .runtime, "acme"),
        ("customer.a", .customer, "a"),
        ("customer.team_42", .customer, "team_42"),
    ])
    func parsesGoodNames(user: String, role: RoleKind, workspace: String) throws {
        let parsed = try ClientUser.parse(user).get()
        #expect(parsed.role == role)
        #expect(parsed.workspace.rawValue == workspace)
        #expect(parsed.description == user)
    }

    @Test(arguments: ["customer", "acme", "", "customer_acme"])
    func missingDot(user: String) {
        #expect(ClientUser.parse(user) == .failure(.missingDot))
    }

    @Test(arguments: [
        ("admin.acme", "admin"),
        ("Customer.acme", "Customer"),
        (".acme", ""),
        ("customers.acme", "customers"),
    ])
    func unknownRole(user: String, role: String) {
        #expect(ClientUser.parse(user) == .failure(.unknownRole(role)))
    }

    /// Everything after the first dot is the workspace, so a second dot makes it malformed.
    @Test(arguments: ["customer.", "customer.Acme", "customer.1acme", "customer.acme.prod", "customer._x", "customer.ac-me"])
    func malformedWorkspace(user: String) {
        #expect(ClientUser.parse(user) == .failure(.malformedWorkspace))
    }

    /// Messages a client sees: each names the rule it broke.
    @Test func errorDescriptionsNameTheRule() {
        #expect(ClientUser.ParseError.missingDot.description.contains("<role>.<workspace>"))
        #expect(ClientUser.ParseError.unknownRole("x").description.contains("\"customer\" or \"runtime\""))
        #expect(ClientUser.ParseError.malformedWorkspace.description.contains("^[a-z][a-z0-9_]{0,62}$"))
    }
}
