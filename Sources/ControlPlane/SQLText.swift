/// Builds the few pieces of SQL that cannot be bind parameters: identifiers in
/// DDL and the password literal of `ALTER ROLE`, which PostgreSQL does not
/// accept as a parameter because utility statements take none.
///
/// Values reach these functions only from validated sources (a `WorkspaceID`,
/// a configured database name, a SCRAM verifier we encoded ourselves); the
/// quoting is still complete so that a mistake elsewhere cannot become an
/// injection.
public enum SQLText {
    /// `"name"` with embedded quotes doubled.
    public static func identifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    /// `E'text'` with backslashes and quotes doubled: an escape string means
    /// the same whatever `standard_conforming_strings` is set to.
    static func literal(_ text: String) -> String {
        "E'" + text.replacingAll("\\", with: "\\\\").replacingAll("'", with: "''") + "'"
    }

    /// Whether PostgreSQL keeps `name` as given: 1 to 63 bytes (longer names
    /// are silently truncated, which would make two names collide) and no NUL.
    static func isUsableIdentifier(_ name: String) -> Bool {
        let count = name.utf8.count
        return count >= 1 && count <= 63 && !name.utf8.contains(0)
    }
}

extension String {
    /// Replacement by Unicode scalar, not by `Character`: a quote followed by a
    /// combining mark forms one `Character` that is not equal to `"`, yet the
    /// server still sees a quote byte, so grapheme-level matching would miss it.
    fileprivate func replacingAll(_ target: Unicode.Scalar, with replacement: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar == target {
                result.append(contentsOf: replacement.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }
}
