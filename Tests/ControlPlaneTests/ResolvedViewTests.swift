import Foundation
import PostgresNIO
import SluiceModel
import Testing

@testable import ControlPlane

/// `dl_resolved`: base records merged with active, non-tombstoned overrides.
@Suite(.enabled(if: TestUpstream.enabled, "set SLUICE_TEST_UPSTREAM_URL to a PostgreSQL 15 superuser URL"))
struct ResolvedViewTests {
    struct Person: Equatable {
        var displayName: String
        var email: String?
        var title: String?
        var location: String?
        var tags: [String]
        var payload: String
    }

    @Test func peopleMergeActiveOverrides() async throws {
        let id = try TestUpstream.uniqueID("people")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            let (customer, runtime) = try await provision(id, store)
            let logger = TestUpstream.logger
            try await TestUpstream.withConnection(
                user: runtime.roleName, password: runtime.password, database: runtime.database
            ) { connection in
                try await connection.run(
                    """
                    INSERT INTO dl_cache.person_enrichments
                        (identity_key, email, full_name, title, location, payload, tags, fetched_at, updated_at)
                    SELECT 'p' || n, 'p' || n || '@base.example', 'Base ' || n, 'Base title', 'Base city',
                           '{"a": 1, "b": 2}', '{base}', now(), timestamptz '2024-01-01 00:00:00+00'
                    FROM generate_series(1, 7) AS n
                    """,
                    logger: logger
                )
                try await connection.run(
                    """
                    INSERT INTO dl_override.person_overrides
                        (identity_key, status, identity_payload_patch, raw_payload_patch, tombstoned, updated_at)
                    VALUES
                        ('p1', 'active', '{"full_name": "Zoë Ødegård", "title": "CTO", "email": "zoe@new.example", "tags": ["x", "y"]}',
                         '{"b": 3, "c": 4}', false, timestamptz '2024-02-01 00:00:00+00'),
                        ('p2', 'active', '{"full_name": "Gone"}', '{}', true, timestamptz '2024-02-01 00:00:00+00'),
                        ('p3', 'pending', '{"full_name": "Not yet"}', '{"b": 9}', false, timestamptz '2024-02-01 00:00:00+00'),
                        ('p4', 'rejected', '{}', '{}', true, timestamptz '2024-02-01 00:00:00+00'),
                        ('p5', 'active', '{"email": "not an email", "tags": "nope", "location": null}',
                         '[1, 2]', false, timestamptz '2023-01-01 00:00:00+00'),
                        ('p6', 'pending', '{}', '{}', true, timestamptz '2024-02-01 00:00:00+00'),
                        ('nobody', 'active', '{"full_name": "Override only"}', '{}', false, now())
                    """,
                    logger: logger
                )
            }

            try await TestUpstream.withConnection(
                user: customer.roleName, password: customer.password, database: customer.database
            ) { connection in
                var people: [String: Person] = [:]
                var updated: [String: Date] = [:]
                for try await row in try await connection.query(
                    """
                    SELECT identity_key, display_name, email::text, title, location, tags, payload::text, updated_at
                    FROM dl_resolved.people
                    """,
                    logger: logger
                ).decode((String, String, String?, String?, String?, [String], String, Date).self) {
                    people[row.0] = Person(
                        displayName: row.1, email: row.2, title: row.3, location: row.4, tags: row.5, payload: row.6
                    )
                    updated[row.0] = row.7
                }

                #expect(Set(people.keys) == ["p1", "p3", "p4", "p5", "p6", "p7"], "tombstoned p2 absent; override-only absent")
                #expect(people["p1"] == Person(
                    displayName: "Zoë Ødegård", email: "zoe@new.example", title: "CTO", location: "Base city",
                    tags: ["x", "y"], payload: #"{"a": 1, "b": 3, "c": 4}"#
                ))
                #expect(updated["p1"] == Date(timeIntervalSince1970: 1_706_745_600))
                #expect(people["p3"] == Person(
                    displayName: "Base 3", email: "p3@base.example", title: "Base title", location: "Base city",
                    tags: ["base"], payload: #"{"a": 1, "b": 2}"#
                ), "a pending override does not apply")
                #expect(people["p4"]?.displayName == "Base 4", "a rejected tombstone does not hide")
                #expect(people["p6"]?.displayName == "Base 6", "a pending tombstone does not hide")
                #expect(people["p5"] == Person(
                    displayName: "Base 5", email: "p5@base.example", title: "Base title", location: "Base city",
                    tags: ["base"], payload: #"{"a": 1, "b": 2}"#
                ), "patch values that do not fit are ignored")
                #expect(updated["p5"] == Date(timeIntervalSince1970: 1_704_067_200), "the later of base and override")
                #expect(people["p7"]?.displayName == "Base 7")
            }
        }
    }

    @Test func companiesMergeActiveOverrides() async throws {
        let id = try TestUpstream.uniqueID("companies")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            let (customer, runtime) = try await provision(id, store)
            let logger = TestUpstream.logger
            try await TestUpstream.withConnection(
                user: runtime.roleName, password: runtime.password, database: runtime.database
            ) { connection in
                try await connection.run(
                    """
                    INSERT INTO dl_cache.company_enrichments
                        (domain, company_name, industry, employee_count, founded_year, revenue_usd, payload, fetched_at, updated_at)
                    SELECT 'c' || n || '.example', 'Company ' || n, 'Software', 100, 1990, 1000.50,
                           '{"k": "base"}', now(), now()
                    FROM generate_series(1, 5) AS n
                    """,
                    logger: logger
                )
                try await connection.run(
                    """
                    INSERT INTO dl_override.company_overrides (domain, status, payload_patch, tombstoned, updated_at)
                    VALUES
                        ('c1.example', 'active',
                         '{"company_name": "Société Générale", "employee_count": 250, "founded_year": "1864", "revenue_usd": 1234.567, "extra": true}',
                         false, now()),
                        ('c2.example', 'active', '{}', true, now()),
                        ('c3.example', 'pending', '{"company_name": "Pending"}', false, now()),
                        ('c4.example', 'active',
                         '{"employee_count": "many", "founded_year": 123456, "revenue_usd": 1e30, "industry": null}',
                         false, now())
                    """,
                    logger: logger
                )
            }
            try await TestUpstream.withConnection(
                user: customer.roleName, password: customer.password, database: customer.database
            ) { connection in
                var rows: [String: (String, String?, Int?, Int?, String?, String)] = [:]
                for try await row in try await connection.query(
                    """
                    SELECT domain, company_name, industry, employee_count, founded_year::integer,
                           revenue_usd::text, payload::text
                    FROM dl_resolved.companies
                    """,
                    logger: logger
                ).decode((String, String, String?, Int?, Int?, String?, String).self) {
                    rows[row.0] = (row.1, row.2, row.3, row.4, row.5, row.6)
                }
                #expect(Set(rows.keys) == ["c1.example", "c3.example", "c4.example", "c5.example"])
                let c1 = try #require(rows["c1.example"])
                #expect(c1.0 == "Société Générale")
                #expect(c1.1 == "Software")
                #expect(c1.2 == 250)
                #expect(c1.3 == 1864)
                #expect(c1.4 == "1234.57")
                #expect(c1.5.contains(#""extra": true"#) && c1.5.contains(#""k": "base""#))
                #expect(rows["c3.example"]?.0 == "Company 3")
                let c4 = try #require(rows["c4.example"])
                #expect(c4.1 == "Software")
                #expect(c4.2 == 100)
                #expect(c4.3 == 1990)
                #expect(c4.4 == "1000.50")
            }
        }
    }

    @Test func sampleDataHasPeopleCompaniesAndOverrides() async throws {
        let id = try TestUpstream.uniqueID("sample")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            let provisioner = Provisioner(store: store, logger: TestUpstream.logger, sampleDataWorkspaces: [id.rawValue])
            _ = try await store.createWorkspace(id: id, name: "Sample")
            _ = try await provisioner.provision(workspace: id)
            let customer = try #require(try await store.credential(workspace: id, role: .customer))
            let logger = TestUpstream.logger
            try await TestUpstream.withConnection(
                user: customer.roleName, password: customer.password, database: customer.database
            ) { connection in
                var names: [String: String] = [:]
                for try await (key, name) in try await connection.query(
                    "SELECT identity_key, display_name FROM dl_resolved.people", logger: logger
                ).decode((String, String).self) {
                    names[key] = name
                }
                #expect(names.count >= 200)
                #expect(names["person-0001"] == "José Müller")
                #expect(names["person-0002"] == "Zoë Ødegård")
                #expect(names["person-0003"] == "李小龙")
                #expect(names["person-0011"] == "Renée Ståhl")
                #expect(names["person-0012"] == "Override Person 12")
                #expect(names["person-0021"]?.hasPrefix("Override") == false, "pending")
                #expect(names["person-0026"] == nil, "tombstoned")
                #expect(names["person-0031"]?.hasPrefix("Override") == false, "rejected")
                #expect(names["person-0033"] != nil, "pending tombstone")

                var companies = 0
                for try await count in try await connection.query(
                    "SELECT count(*)::bigint FROM dl_resolved.companies", logger: logger
                ).decode(Int.self) {
                    companies = count
                }
                #expect(companies >= 50)
            }
        }
    }

    private func provision(_ id: WorkspaceID, _ store: ControlStore) async throws -> (RoleCredential, RoleCredential) {
        _ = try await store.createWorkspace(id: id, name: "Views")
        _ = try await Provisioner(store: store, logger: TestUpstream.logger).provision(workspace: id)
        let customer = try #require(try await store.credential(workspace: id, role: .customer))
        let runtime = try #require(try await store.credential(workspace: id, role: .runtime))
        return (customer, runtime)
    }
}
