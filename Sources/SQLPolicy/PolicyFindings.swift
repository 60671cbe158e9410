/// What the walk over one statement found: every reason to deny it, and
/// the session effect it would have. The reported reason is the first that
/// applies of search_path, write, other (policy.md).
struct PolicyFindings {
    private(set) var reasons: Set<DenialReason> = []
    var sessionEffect: SessionEffect?
    var changesSession = false
    /// Every setting the statement may set or reset for the session (not
    /// `SET LOCAL`), lower-cased; see `JudgedStatement.settingNames`.
    var settingNames: [String] = []
    /// The statement writes (rows, row locks or schema): the agent tool needs
    /// an `update` key for it even where the policy allows it.
    var writes = false
    /// The verdict read the value of a constant (a setting's name or value):
    /// another text with other constants may be judged differently, so the
    /// judgement must not be shared by texts of the same shape.
    var readsConstants = false
    /// `DEALLOCATE name` (not ALL): the name, for the proxy to answer itself
    /// when it names one of the client's protocol-level statements.
    var deallocateName: String?

    mutating func deny(_ reason: DenialReason) {
        reasons.insert(reason)
    }

    var verdict: Verdict {
        if reasons.contains(.searchPath) { return .deny(.searchPath) }
        if reasons.contains(.write) { return .deny(.write) }
        if reasons.contains(.other) { return .deny(.other) }
        return .allow
    }
}
