import SluiceModel
import Testing

/// Each permission includes the ones before it, so checks are `>=`.
struct PermissionTests {
    @Test func ordering() {
        #expect(Permission.view < .update)
        #expect(Permission.update < .admin)
        #expect(Permission.view < .admin)
        #expect(!(Permission.admin < .view))
        #expect(Permission.allCases.sorted() == [.view, .update, .admin])
        #expect(Permission.allCases.max() == .admin)
    }

    @Test func inclusion() {
        #expect(Permission.admin >= .update)
        #expect(Permission.update >= .update)
        #expect(!(Permission.view >= .update))
    }

    @Test func rawValuesAreTheAPINames() {
        #expect(Permission.allCases.map(\.rawValue) == ["view", "update", "admin"])
        #expect(Permission(rawValue: "admin") == .admin)
        #expect(Permission(rawValue: "Admin") == nil)
    }
}
