/// Renders rows as an aligned text table for people:
///
///     id | email               | active
///     ---+---------------------+-------
///      1 | "ann@example.com"   | true
///      2 | null                | false
///     (2 rows)
///
/// Every value is shown as its JSON text (strings quoted, so `null` and `"null"`,
/// `1` and `"1"` stay apart); numeric columns are right-aligned.
public struct TableRenderer: Sendable {
    /// Longer cells are cut and end in "…" (0: never cut).
    public var maxCellWidth: Int
    /// Show at most this many rows (nil: all); the footer says how many there were.
    public var maxRows: Int?

    public init(maxCellWidth: Int = 80, maxRows: Int? = nil) {
        self.maxCellWidth = maxCellWidth
        self.maxRows = maxRows
    }

    public func render(_ result: ToolResult) -> String {
        guard !result.columns.isEmpty || result.rows.contains(where: { !$0.isEmpty }) else {
            return "\(result.command ?? "OK")\n" + footer(shown: result.rowCount, result: result) + "\n"
        }
        let shownRows = maxRows.map { Array(result.rows.prefix(max(0, $0))) } ?? result.rows
        let width = max(result.columns.count, result.rows.map(\.count).max() ?? 0)
        let headers = (0..<width).map { $0 < result.columns.count ? result.columns[$0].name : "" }
        let cells = shownRows.map { row in (0..<width).map { $0 < row.count ? cut(Self.cellText(row[$0])) : "" } }
        let numeric = (0..<width).map { column in
            let values = result.rows.compactMap { column < $0.count ? $0[column] : nil }.filter { !$0.isNull }
            return !values.isEmpty && values.allSatisfy { if case .number = $0 { true } else { false } }
        }
        var lines = table(headers: headers.map(cut), rows: cells, rightAligned: numeric)
        lines.append(footer(shown: shownRows.count, result: result))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The tool list for `sluice tools list`.
    public func render(_ registry: ToolRegistry) -> String {
        let rows = registry.tools.map { tool in
            [
                tool.name,
                tool.parameters.map { "\($0.name): \($0.type)\($0.required ? "" : "?")" }.joined(separator: ", "),
                cut(tool.description.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""),
            ]
        }
        var lines = table(headers: ["tool", "parameters", "description"], rows: rows, rightAligned: [false, false, false])
        lines.append("(\(registry.tools.count) \(registry.tools.count == 1 ? "tool" : "tools") of workspace \(registry.workspace))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The JSON text of one value, on one line.
    public static func cellText(_ value: JSONValue) -> String { value.text }

    func table(headers: [String], rows: [[String]], rightAligned: [Bool]) -> [String] {
        let widths = headers.indices.map { column in
            rows.reduce(headers[column].count) { max($0, column < $1.count ? $1[column].count : 0) }
        }
        func line(_ cells: [String], header: Bool) -> String {
            let padded = headers.indices.map { column -> String in
                let text = column < cells.count ? cells[column] : ""
                let padding = String(repeating: " ", count: widths[column] - text.count)
                let right = !header && column < rightAligned.count && rightAligned[column]
                return right ? padding + text : text + padding
            }
            return trimTrailingSpaces(padded.joined(separator: " | "))
        }
        var lines = [line(headers, header: true)]
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-"))
        lines += rows.map { line($0, header: false) }
        return lines
    }

    func footer(shown: Int, result: ToolResult) -> String {
        let noun = result.rowCount == 1 ? "row" : "rows"
        var text = shown < result.rowCount ? "(showing \(shown) of \(result.rowCount) \(noun)" : "(\(result.rowCount) \(noun)"
        if result.truncated { text += "; truncated: the result has more rows than were returned" }
        return text + ")"
    }

    func cut(_ text: String) -> String {
        guard maxCellWidth > 0, text.count > maxCellWidth else { return text }
        return String(text.prefix(max(0, maxCellWidth - 1))) + "…"
    }

    private func trimTrailingSpaces(_ text: String) -> String {
        var text = Substring(text)
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
