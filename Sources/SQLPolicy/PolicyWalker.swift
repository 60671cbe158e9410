import SluiceModel

/// Walks one statement's parse tree and records every reason to deny it.
///
/// Fail closed: a statement kind the contract does not name is denied, and so
/// is any node type the walker does not know, wherever it appears.
struct PolicyWalker {
    let context: PolicyContext
    var findings = PolicyFindings()

    static let storage = "storage"
    static let workspaceSchemas: Set<String> = ["dl_cache", "dl_override", "dl_resolved", "dl_meta", "storage"]
    static let relationObjectTypes: Set<String> = [
        "OBJECT_TABLE", "OBJECT_INDEX", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_SEQUENCE",
    ]

    /// Node types that only hold expressions, names or clauses: their
    /// children are walked, they decide nothing themselves.
    static let transparentNodes: Set<String> = [
        "A_ArrayExpr", "A_Const", "A_Expr", "A_Indices", "A_Indirection", "A_Star", "Alias",
        "AlterTableCmd", "BitString", "Boolean", "BoolExpr", "BooleanTest", "CaseExpr", "CaseWhen",
        "CoalesceExpr", "CollateClause", "ColumnDef", "ColumnRef", "CommonTableExpr", "Constraint",
        "CTECycleClause", "CTESearchClause", "CurrentOfExpr", "DefElem", "Float", "GroupingFunc",
        "GroupingSet", "IndexElem", "InferClause", "Integer", "IntoClause", "JoinExpr", "List",
        "LockingClause", "MergeWhenClause", "MinMaxExpr", "MultiAssignRef", "NamedArgExpr", "NullTest",
        "OnConflictClause", "ParamRef", "PartitionBoundSpec", "PartitionCmd", "PartitionElem",
        "PartitionRangeDatum", "PartitionSpec", "RangeFunction", "RangeSubselect", "RangeTableFunc",
        "RangeTableFuncCol", "RangeTableSample", "ReplicaIdentityStmt", "ResTarget", "RoleSpec", "RowExpr",
        "SetToDefault", "SortBy", "SQLValueFunction", "String", "SubLink", "TableLikeClause", "TypeCast",
        "TypeName", "WindowDef", "WithClause", "XmlExpr", "XmlSerialize",
    ]

    init(context: PolicyContext) {
        self.context = context
    }

    var isCustomer: Bool { context.role == .customer }
    var isTransactionPooling: Bool { context.mode == .transaction }
    var isTool: Bool { context.surface == .tool }

    // MARK: Statements

    /// Judges a statement node (`{"SelectStmt": {...}}`) at the top level or
    /// nested where a statement may stand (EXPLAIN, PREPARE, DECLARE, COPY, CTAS).
    mutating func statement(_ node: JSONValue, scope: Set<String> = []) {
        guard let (type, fields) = node.node else {
            findings.deny(.other)
            return
        }
        switch type {
        case "SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt":
            query(type, fields, scope: scope)
        case "ExplainStmt":
            walkOptions(fields["options"])
            if let inner = fields["query"] { statement(inner, scope: scope) } else { findings.deny(.other) }
        case "VariableShowStmt":
            break
        case "DeclareCursorStmt":
            if isTool { findings.deny(.other) }
            let options = fields["options"]?.int ?? 0
            if options & 0x0020 != 0 && isTransactionPooling { findings.deny(.other) } // WITH HOLD
            // Only [NO] SCROLL and [WITHOUT] HOLD are named: BINARY, (A)SENSITIVE are not.
            if options & (0x0001 | 0x0008 | 0x0010) != 0 { findings.deny(.other) }
            if let inner = fields["query"] { readOnly { $0.statement(inner, scope: scope) } } else { findings.deny(.other) }
        case "FetchStmt", "ClosePortalStmt":
            if isTool { findings.deny(.other) }
        case "CopyStmt":
            copy(fields)
        case "LockStmt":
            let mode = fields["mode"]?.int ?? 0
            if mode != 1 { // AccessShareLock
                for relation in fields["relations"]?.array ?? [] { writeTarget(relation.node?.fields ?? relation) }
            }
        case "CreateStmt":
            createTable(fields)
        case "CreateTableAsStmt":
            createTableAs(fields)
        case "IndexStmt":
            writeTarget(fields["relation"])
            walk(fields["indexParams"], scope: [])
            walk(fields["whereClause"], scope: [])
            walk(fields["indexIncludingParams"], scope: [])
        case "AlterTableStmt":
            alterTable(fields)
        case "RenameStmt":
            rename(fields)
        case "AlterObjectSchemaStmt":
            guard let objectType = fields["objectType"]?.string, Self.relationObjectTypes.contains(objectType) else {
                findings.deny(.other)
                return
            }
            writeTarget(fields["relation"])
            if fields["newschema"]?.string != Self.storage { findings.deny(.write) }
        case "DropStmt":
            drop(fields)
        case "TruncateStmt":
            for relation in fields["relations"]?.array ?? [] { writeTarget(relation.node?.fields ?? relation) }
        case "ViewStmt":
            writeTarget(fields["view"])
            if let inner = fields["query"] {
                statement(inner, scope: scope)
                requireWorkspaceRelations(inner)
            }
            walkOptions(fields["options"])
        case "RefreshMatViewStmt":
            if fields["concurrent"]?.bool == true { findings.deny(.other) }
            writeTarget(fields["relation"])
        case "CreateSeqStmt", "AlterSeqStmt":
            writeTarget(fields["sequence"])
            sequenceOwner(fields["options"])
            walkOptions(fields["options"])
        case "CommentStmt":
            comment(fields)
        case "TransactionStmt":
            if isTool { findings.deny(.other) }
            switch fields["kind"]?.string {
            case "TRANS_STMT_PREPARE", "TRANS_STMT_COMMIT_PREPARED", "TRANS_STMT_ROLLBACK_PREPARED":
                findings.deny(.other)
            default:
                break
            }
        case "VariableSetStmt":
            if isTool { findings.deny(.other) }
            findings.changesSession = true
            variableSet(fields)
        case "DiscardStmt":
            if isTool { findings.deny(.other) }
            findings.changesSession = true
            if fields["target"]?.string == "DISCARD_ALL" { findings.sessionEffect = .discardAll }
        case "NotifyStmt", "UnlistenStmt":
            if isTool { findings.deny(.other) }
        case "ListenStmt":
            if isTool || isTransactionPooling { findings.deny(.other) }
        case "PrepareStmt":
            if isTool || isTransactionPooling { findings.deny(.other) }
            walk(fields["argtypes"], scope: [])
            if let inner = fields["query"] { statement(inner, scope: scope) } else { findings.deny(.other) }
        case "ExecuteStmt":
            if isTool || isTransactionPooling { findings.deny(.other) }
            walk(fields["params"], scope: [])
        case "DeallocateStmt":
            if isTool { findings.deny(.other) }
            // DEALLOCATE ALL is always fine; a named one in transaction pooling
            // is answered by the proxy when it names a protocol-level statement.
            if let name = fields["name"]?.string {
                findings.deallocateName = name
                if isTransactionPooling { findings.deny(.other) }
            }
        default:
            findings.deny(.other)
        }
    }

    // MARK: Queries (SELECT and DML, at any depth)

    /// A query node; handles its WITH clause scoping, its write target, INTO,
    /// locking clauses and set operations, then walks the rest.
    /// Inside a context that must only read (DECLARE, COPY (query)): a
    /// data-modifying statement there is not a read at all.
    var readOnlyDepth = 0

    mutating func readOnly(_ body: (inout PolicyWalker) -> Void) {
        readOnlyDepth += 1
        body(&self)
        readOnlyDepth -= 1
    }

    mutating func query(_ type: String, _ fields: JSONValue, scope outer: Set<String>) {
        if readOnlyDepth > 0 && type != "SelectStmt" { findings.deny(.other) }
        var scope = outer
        if let with = fields["withClause"] {
            scope = withClause(with, scope: outer)
        }
        switch type {
        case "SelectStmt":
            let savedSettingsName = pgSettingsName
            pgSettingsName = Self.provenSettingName(fields)
            if pgSettingsName != nil { findings.readsConstants = true }
            defer { pgSettingsName = savedSettingsName }
            if let into = fields["intoClause"] {
                writeTarget(into["rel"])
                walkOptions(into["options"])
            }
            if let locking = fields["lockingClause"]?.array, !locking.isEmpty {
                lockingRead(locking, from: fields["fromClause"])
            }
            for key in ["larg", "rarg"] {
                if let branch = fields[key] { query("SelectStmt", branch, scope: scope) }
            }
            for key in ["distinctClause", "targetList", "fromClause", "whereClause", "groupClause", "havingClause",
                        "windowClause", "valuesLists", "sortClause", "limitOffset", "limitCount", "lockingClause"] {
                walk(fields[key], scope: scope)
            }
        case "InsertStmt":
            writeTarget(fields["relation"])
            for key in ["cols", "selectStmt", "onConflictClause", "returningList"] { walk(fields[key], scope: scope) }
        case "UpdateStmt":
            writeTarget(fields["relation"])
            for key in ["targetList", "whereClause", "fromClause", "returningList"] { walk(fields[key], scope: scope) }
        case "DeleteStmt":
            writeTarget(fields["relation"])
            for key in ["usingClause", "whereClause", "returningList"] { walk(fields[key], scope: scope) }
        case "MergeStmt":
            writeTarget(fields["relation"])
            for key in ["sourceRelation", "joinCondition", "mergeWhenClauses"] { walk(fields[key], scope: scope) }
        default:
            findings.deny(.other)
        }
    }

    /// Walks each CTE with the names visible to it and returns the scope of
    /// the main query: a non-recursive CTE sees only the ones before it.
    mutating func withClause(_ with: JSONValue, scope: Set<String>) -> Set<String> {
        let recursive = with["recursive"]?.bool == true
        let ctes = with["ctes"]?.array ?? []
        let names = ctes.compactMap { $0.node?.fields["ctename"]?.string }
        var visible = scope
        if recursive { visible.formUnion(names) }
        for cte in ctes {
            guard let (type, fields) = cte.node, type == "CommonTableExpr" else {
                findings.deny(.other)
                continue
            }
            if let inner = fields["ctequery"] {
                statement(inner, scope: visible)
            }
            walk(fields["search_clause"], scope: visible)
            walk(fields["cycle_clause"], scope: visible)
            if let name = fields["ctename"]?.string { visible.insert(name) }
        }
        return scope.union(names)
    }

    // MARK: Generic walk

    /// Visits every node under `value`. Nested queries are judged as queries,
    /// function calls by the function rules, unknown node types are denied.
    mutating func walk(_ value: JSONValue?, scope: Set<String>) {
        guard let value else { return }
        switch value {
        case .array(let items):
            for item in items { walk(item, scope: scope) }
        case .object(let members):
            if let (type, fields) = value.node {
                visit(type, fields, scope: scope)
            } else {
                for member in members { walk(member.value, scope: scope) }
            }
        default:
            break
        }
    }

    mutating func visit(_ type: String, _ fields: JSONValue, scope: Set<String>) {
        switch type {
        case "SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt":
            query(type, fields, scope: scope)
        case "FuncCall":
            function(fields, scope: scope)
            walk(fields, scope: scope)
        case "RangeVar":
            break
        default:
            if Self.transparentNodes.contains(type) {
                walk(fields, scope: scope)
            } else {
                findings.deny(.other)
            }
        }
    }

    mutating func walkOptions(_ options: JSONValue?) {
        walk(options, scope: [])
    }

    // MARK: Relations

    /// A relation written as `storage.<name>` (or `db.storage.<name>`), exactly.
    func isStorage(_ relation: JSONValue) -> Bool {
        relation["schemaname"]?.string == Self.storage
    }

    /// The customer may write only `storage.<name>`; the runtime role the
    /// workspace schemas. Temporary objects are writes outside them.
    mutating func writeTarget(_ relation: JSONValue?) {
        findings.writes = true
        guard let relation else {
            findings.deny(.write)
            return
        }
        if relation["relpersistence"]?.string == "t" {
            findings.deny(.write)
            return
        }
        let schema = relation["schemaname"]?.string
        if isCustomer {
            if schema != Self.storage { findings.deny(.write) }
        } else if let schema, Self.workspaceSchemas.contains(schema) {
            return
        } else {
            findings.deny(.write)
        }
    }

    /// A locking read writes row locks: every locked relation must be
    /// writable. `FOR UPDATE` locks every table of the FROM list, inside
    /// joins and sub-SELECTs too (PostgreSQL applies the clause there);
    /// `FOR UPDATE OF a` only the items named (by alias or name), a sub-SELECT
    /// named by its alias with all of its tables.
    mutating func lockingRead(_ clauses: [JSONValue], from: JSONValue?) {
        findings.writes = true
        for clause in clauses {
            let locked = (clause.node?.fields["lockedRels"]?.array ?? []).compactMap { $0.node?.fields ?? $0 }
            if locked.isEmpty {
                guard let relations = lockedRelations(from) else {
                    findings.deny(.write)
                    continue
                }
                for relation in relations where !isWritable(relation) { findings.deny(.write) }
                continue
            }
            let items = fromItems(from)
            for target in locked {
                let name = target["relname"]?.string
                var matched = false
                for (type, fields) in items {
                    switch type {
                    case "RangeVar":
                        let alias = fields["alias"]?["aliasname"]?.string
                        let matches = alias.map { $0 == name && target["schemaname"] == nil }
                            ?? (fields["relname"]?.string == name
                                && (target["schemaname"] == nil || target["schemaname"]?.string == fields["schemaname"]?.string))
                        guard matches else { continue }
                        matched = true
                        if !isWritable(fields) { findings.deny(.write) }
                    case "RangeSubselect":
                        guard target["schemaname"] == nil, fields["alias"]?["aliasname"]?.string == name else { continue }
                        matched = true
                        guard let relations = lockedRelations(fields["subquery"]?.node?.fields["fromClause"]),
                              Self.isPlainSelect(fields["subquery"]) else {
                            findings.deny(.write)
                            continue
                        }
                        for relation in relations where !isWritable(relation) { findings.deny(.write) }
                    default:
                        continue
                    }
                }
                if !matched { findings.deny(.write) }
            }
        }
    }

    /// The items of a FROM list, through joins, as (node type, fields).
    func fromItems(_ from: JSONValue?) -> [(String, JSONValue)] {
        var result: [(String, JSONValue)] = []
        func collect(_ value: JSONValue?) {
            guard let value else { return }
            if let items = value.array {
                items.forEach(collect)
            } else if let (type, fields) = value.node {
                if type == "JoinExpr" {
                    collect(fields["larg"])
                    collect(fields["rarg"])
                } else {
                    result.append((type, fields))
                }
            }
        }
        collect(from)
        return result
    }

    /// The tables a locking clause without `OF` locks in `from`: relations,
    /// through joins and plain sub-SELECTs; a function in FROM locks nothing.
    /// Nil when the list holds anything else (a set operation, VALUES...):
    /// denied rather than modelled.
    func lockedRelations(_ from: JSONValue?) -> [JSONValue]? {
        var relations: [JSONValue] = []
        for (type, fields) in fromItems(from) {
            switch type {
            case "RangeVar":
                relations.append(fields)
            case "RangeSubselect":
                guard Self.isPlainSelect(fields["subquery"]),
                      let inner = lockedRelations(fields["subquery"]?.node?.fields["fromClause"]) else { return nil }
                relations += inner
            case "RangeFunction":
                continue
            default:
                return nil
            }
        }
        return relations
    }

    /// A `SelectStmt` that is not a set operation (UNION...) nor `VALUES`.
    static func isPlainSelect(_ value: JSONValue?) -> Bool {
        guard let (type, fields) = value?.node, type == "SelectStmt" else { return false }
        let op = fields["op"]?.string
        return (op == nil || op == "SETOP_NONE") && fields["valuesLists"] == nil
    }

    /// What this role may write: `storage.<name>` for the customer, the
    /// workspace schemas for the runtime role.
    func isWritable(_ relation: JSONValue) -> Bool {
        guard let schema = relation["schemaname"]?.string else { return false }
        return isCustomer ? schema == Self.storage : Self.workspaceSchemas.contains(schema)
    }

    /// Every relation a view (or materialized view) reads must be in a
    /// workspace schema: an update through a view reaches its base relation.
    mutating func requireWorkspaceRelations(_ query: JSONValue) {
        var ok = true
        func check(_ value: JSONValue?, scope: Set<String>) {
            guard let value else { return }
            switch value {
            case .array(let items):
                for item in items { check(item, scope: scope) }
            case .object(let members):
                if let (type, fields) = value.node {
                    if type == "RangeVar" {
                        let schema = fields["schemaname"]?.string
                        let name = fields["relname"]?.string ?? ""
                        if let schema {
                            if !Self.workspaceSchemas.contains(schema) { ok = false }
                        } else if !scope.contains(name) {
                            ok = false
                        }
                        return
                    }
                    // A function in FROM (`generate_series`, `unnest`, XMLTABLE) is no
                    // relation: allowed, and its arguments are checked like the rest.
                    check(fields, scope: scope)
                } else if let with = value["withClause"] {
                    // A query's fields: CTEs see only earlier CTEs (all, if recursive).
                    let ctes = with["ctes"]?.array ?? []
                    let names = ctes.compactMap { $0.node?.fields["ctename"]?.string }
                    var visible = scope
                    if with["recursive"]?.bool == true { visible.formUnion(names) }
                    for cte in ctes {
                        check(cte.node?.fields["ctequery"], scope: visible)
                        if let name = cte.node?.fields["ctename"]?.string { visible.insert(name) }
                    }
                    let inner = scope.union(names)
                    for member in members where member.key != "withClause" { check(member.value, scope: inner) }
                } else {
                    for member in members { check(member.value, scope: scope) }
                }
            default:
                break
            }
        }
        check(query, scope: [])
        if !ok { findings.deny(.other) }
    }

    // MARK: Statement kinds

    mutating func copy(_ fields: JSONValue) {
        if fields["filename"]?.string != nil || fields["is_program"]?.bool == true {
            // Files and programs are never allowed; a write target still reports first.
            findings.deny(.other)
        }
        if let inner = fields["query"] {
            // COPY (query) TO STDOUT: the query must be a read.
            readOnly { $0.statement(inner) }
        } else if fields["is_from"]?.bool == true {
            writeTarget(fields["relation"])
        } else if fields["relation"] == nil {
            findings.deny(.other)
        }
        walk(fields["attlist"], scope: [])
        walk(fields["whereClause"], scope: [])
        walkOptions(fields["options"])
    }

    mutating func createTable(_ fields: JSONValue) {
        findings.writes = true
        writeTarget(fields["relation"])
        for parent in fields["inhRelations"]?.array ?? [] {
            if !isStorage(parent.node?.fields ?? parent) { findings.deny(.write) }
        }
        requireStorageReferences(fields["tableElts"])
        requireStorageReferences(fields["constraints"])
        walk(fields["tableElts"], scope: [])
        walk(fields["partbound"], scope: [])
        walk(fields["partspec"], scope: [])
        walk(fields["constraints"], scope: [])
        walkOptions(fields["options"])
        if fields["ofTypename"] != nil { walk(fields["ofTypename"], scope: []) }
    }

    /// Foreign keys must point into `storage` (a reference to a platform
    /// table would lock platform rows).
    mutating func requireStorageReferences(_ value: JSONValue?) {
        guard let value else { return }
        switch value {
        case .array(let items):
            for item in items { requireStorageReferences(item) }
        case .object(let members):
            if let (type, fields) = value.node {
                if type == "Constraint", let table = fields["pktable"], !isStorage(table) {
                    findings.deny(.write)
                }
                requireStorageReferences(fields)
            } else {
                for member in members { requireStorageReferences(member.value) }
            }
        default:
            break
        }
    }

    mutating func createTableAs(_ fields: JSONValue) {
        findings.writes = true
        guard let into = fields["into"] else {
            findings.deny(.other)
            return
        }
        writeTarget(into["rel"])
        walkOptions(into["options"])
        guard let inner = fields["query"] else {
            findings.deny(.other)
            return
        }
        statement(inner)
        if fields["objtype"]?.string == "OBJECT_MATVIEW" {
            requireWorkspaceRelations(inner)
        }
    }

    mutating func alterTable(_ fields: JSONValue) {
        findings.writes = true
        guard let objectType = fields["objtype"]?.string, Self.relationObjectTypes.contains(objectType) else {
            findings.deny(.other)
            return
        }
        writeTarget(fields["relation"])
        // Every relation the commands name (REFERENCES, INHERIT, ATTACH/DETACH PARTITION).
        forEachRelation(in: fields["cmds"]) { relation in
            if !isStorage(relation) { findings.deny(.write) }
        }
        walk(fields["cmds"], scope: [])
    }

    /// Calls `body` for every relation reference under `value`, wrapped
    /// (`RangeVar` node) or printed as a typed field (an object with `relname`).
    func forEachRelation(in value: JSONValue?, _ body: (JSONValue) -> Void) {
        guard let value else { return }
        switch value {
        case .array(let items):
            for item in items { forEachRelation(in: item, body) }
        case .object(let members):
            if let (type, fields) = value.node {
                if type == "RangeVar" { body(fields); return }
                forEachRelation(in: fields, body)
            } else if value["relname"] != nil {
                body(value)
            } else {
                for member in members { forEachRelation(in: member.value, body) }
            }
        default:
            break
        }
    }

    mutating func rename(_ fields: JSONValue) {
        findings.writes = true
        let allowed: Set<String> = Self.relationObjectTypes.union(["OBJECT_COLUMN", "OBJECT_TABCONSTRAINT"])
        guard let type = fields["renameType"]?.string, allowed.contains(type), fields["relation"] != nil else {
            findings.deny(.other)
            return
        }
        writeTarget(fields["relation"])
    }

    /// The schema part of a qualified name list (`[schema, name]` or `[db, schema, name]`).
    func schema(ofNameList list: JSONValue?, trailing: Int) -> String? {
        guard let items = (list?.node?.fields["items"] ?? list)?.array else { return nil }
        let names = items.compactMap { $0.node?.fields["sval"]?.string }
        guard names.count == items.count, names.count >= trailing + 1, names.count <= trailing + 2 else { return nil }
        return names[names.count - trailing - 1]
    }

    mutating func drop(_ fields: JSONValue) {
        findings.writes = true
        guard let type = fields["removeType"]?.string, Self.relationObjectTypes.contains(type) else {
            findings.deny(.other)
            return
        }
        for object in fields["objects"]?.array ?? [] {
            let schema = schema(ofNameList: object, trailing: 1)
            if isCustomer ? schema != Self.storage : !(schema.map(Self.workspaceSchemas.contains) ?? false) {
                findings.deny(.write)
            }
        }
    }

    /// `OWNED BY t.col` names a relation too: it must be writable (or NONE).
    mutating func sequenceOwner(_ options: JSONValue?) {
        for option in options?.array ?? [] {
            guard let definition = option.node?.fields, definition["defname"]?.string == "owned_by" else { continue }
            // The parser gives the name list as a `List` node (`{"List": {"items": [...]}}`).
            let list = definition["arg"]
            let names = ((list?.node?.fields["items"] ?? list)?.array ?? []).compactMap { $0.node?.fields["sval"]?.string }
            if names.count == 1 && names[0].lowercased() == "none" { continue }
            let schema = names.count >= 3 ? names[names.count - 3] : nil
            let writable = schema.map { isCustomer ? $0 == Self.storage : Self.workspaceSchemas.contains($0) } ?? false
            if !writable { findings.deny(.write) }
        }
    }

    mutating func comment(_ fields: JSONValue) {
        findings.writes = true
        let trailing: Int
        switch fields["objtype"]?.string {
        case "OBJECT_TABLE", "OBJECT_INDEX", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_SEQUENCE": trailing = 1
        case "OBJECT_COLUMN": trailing = 2
        default:
            findings.deny(.other)
            return
        }
        let schema = schema(ofNameList: fields["object"], trailing: trailing)
        if isCustomer ? schema != Self.storage : !(schema.map(Self.workspaceSchemas.contains) ?? false) {
            findings.deny(.write)
        }
    }

    // MARK: Settings

    mutating func variableSet(_ fields: JSONValue) {
        findings.readsConstants = true
        let kind = fields["kind"]?.string ?? ""
        let name = fields["name"]?.string ?? ""
        let isLocal = fields["is_local"]?.bool == true
        switch kind {
        case "VAR_SET_MULTI":
            // SET TRANSACTION ..., SET SESSION CHARACTERISTICS AS TRANSACTION ...
            walk(fields["args"], scope: [])
            return
        case "VAR_RESET_ALL":
            findings.sessionEffect = .resetAll
            return
        case "VAR_RESET", "VAR_SET_DEFAULT":
            if let reason = SettingRules.judge(name: name, value: .reset) { findings.deny(reason) }
            if !isLocal {
                findings.sessionEffect = .reset(name: name.lowercased())
                findings.settingNames.append(name.lowercased())
            }
            return
        case "VAR_SET_VALUE":
            let args = fields["args"]?.array ?? []
            let values = args.map(Self.constantText)
            let value: SettingRules.Value
            if values.count == 1, let only = values[0] {
                value = .literal(only)
            } else if !values.isEmpty, values.allSatisfy({ $0 != nil }) {
                value = .list(values.compactMap { $0 })
            } else {
                value = .unknown
            }
            if let reason = SettingRules.judge(name: name, value: value) { findings.deny(reason) }
            if !isLocal {
                findings.settingNames.append(name.lowercased())
                if !values.isEmpty, values.allSatisfy({ $0 != nil }) {
                    findings.sessionEffect = .set(name: name.lowercased(), value: values.compactMap { $0 }.joined(separator: ", "))
                }
            }
            walk(fields["args"], scope: [])
        default:
            // VAR_SET_CURRENT (FROM CURRENT) and anything newer: not for clients.
            if let reason = SettingRules.judge(name: name, value: .unknown) { findings.deny(reason) } else { findings.deny(.other) }
        }
    }

    /// The text of a constant argument (`'x'`, `5`, `1.5`, `true`), else nil.
    static func constantText(_ value: JSONValue) -> String? {
        guard let (type, fields) = value.node, type == "A_Const" else { return nil }
        if let text = fields["sval"]?["sval"]?.string { return text }
        if let sval = fields["sval"], sval["sval"] == nil, case .object = sval { return "" }
        if let number = fields["ival"]?["ival"]?.int { return String(number) }
        if fields["ival"] != nil { return "0" }
        if let text = fields["fval"]?["fval"]?.string { return text }
        if let flag = fields["boolval"]?["boolval"]?.bool { return flag ? "true" : "false" }
        if fields["boolval"] != nil { return "false" }
        return nil
    }

    // MARK: Functions

    mutating func function(_ fields: JSONValue, scope: Set<String>) {
        let parts = (fields["funcname"]?.array ?? []).compactMap { $0.node?.fields["sval"]?.string }
        guard let last = parts.last else {
            findings.deny(.other)
            return
        }
        let name = last.lowercased()
        let args = fields["args"]?.array ?? []
        switch name {
        case "set_config":
            if isTool { findings.deny(.other) }
            findings.changesSession = true
            setConfig(args)
        case "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "ts_stat":
            findings.deny(.other)
        case "ts_rewrite" where args.count == 2:
            findings.deny(.other)
        case "lowrite", "loread":
            findings.deny(.write)
        case "pg_notify":
            if isTool { findings.deny(.other) }
        default:
            if name.hasPrefix("dblink") {
                findings.deny(.other)
            } else if name.hasPrefix("lo_") {
                findings.deny(.write)
            } else if (name.hasPrefix("pg_advisory_lock") || name.hasPrefix("pg_try_advisory_lock")) && !name.contains("xact") {
                if isTransactionPooling || isTool { findings.deny(.other) }
            }
        }
    }

    /// The name of a setting `set_config` is given from `pg_settings`
    /// (`SELECT set_config(name, ...) FROM pg_settings WHERE name = 'x'`),
    /// when the enclosing query proves it; set by the caller.
    var pgSettingsName: String?

    mutating func setConfig(_ args: [JSONValue]) {
        findings.readsConstants = true
        guard args.count == 3 else {
            findings.deny(.searchPath)
            return
        }
        let name: String
        if let literal = Self.constantText(args[0]), Self.isStringConstant(args[0]) {
            name = literal
        } else if Self.isColumn(args[0], named: "name"), let proven = pgSettingsName {
            name = proven
        } else {
            findings.deny(.searchPath)
            return
        }
        let value: SettingRules.Value = Self.isStringConstant(args[1]) ? (Self.constantText(args[1]).map { .literal($0) } ?? .unknown) : .unknown
        if let reason = SettingRules.judge(name: name, value: value) { findings.deny(reason) }
        let local = Self.constantText(args[2])?.lowercased()
        if local.map({ ["true", "t", "on", "1", "yes"].contains($0) }) != true {
            // Unless provably local, it may set the setting for the session.
            findings.settingNames.append(name.lowercased())
        }
        if let local, ["false", "f", "off", "0", "no"].contains(local), case .literal(let text) = value {
            findings.sessionEffect = .set(name: name.lowercased(), value: text)
        }
    }

    /// `... FROM [pg_catalog.]pg_settings WHERE name = '<literal>'`: the one
    /// shape in which `set_config(name, ...)` names a setting the tree proves.
    static func provenSettingName(_ select: JSONValue) -> String? {
        guard let from = select["fromClause"]?.array, from.count == 1,
              let (fromType, relation) = from[0].node, fromType == "RangeVar",
              relation["relname"]?.string == "pg_settings",
              relation["schemaname"]?.string == nil || relation["schemaname"]?.string == "pg_catalog",
              relation["catalogname"] == nil,
              let (whereType, condition) = select["whereClause"]?.node, whereType == "A_Expr",
              condition["kind"]?.string == "AEXPR_OP",
              let operators = condition["name"]?.array, operators.count == 1,
              operators[0].node?.fields["sval"]?.string == "=",
              let left = condition["lexpr"], let right = condition["rexpr"]
        else { return nil }
        if isColumn(left, named: "name"), isStringConstant(right) { return constantText(right) }
        if isColumn(right, named: "name"), isStringConstant(left) { return constantText(left) }
        return nil
    }

    static func isStringConstant(_ value: JSONValue) -> Bool {
        guard let (type, fields) = value.node, type == "A_Const" else { return false }
        return fields["sval"] != nil
    }

    static func isColumn(_ value: JSONValue, named name: String) -> Bool {
        guard let (type, fields) = value.node, type == "ColumnRef" else { return false }
        let parts = (fields["fields"]?.array ?? []).compactMap { $0.node?.fields["sval"]?.string }
        return parts.last == name && parts.count <= 2 && (parts.count == 1 || parts[0] == "pg_settings")
    }
}
