extension String {
    /// Every `target` replaced by `replacement`: SQL quoting (`'` → `''`)
    /// without Foundation.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
