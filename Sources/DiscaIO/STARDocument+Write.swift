import DiscaCore
import Foundation

/// Writing STAR text in the layout RELION 3.1/5 writes and RELION and Python `starfile` read:
///
///     # version 50001
///
///     data_optics
///
///     loop_
///     _rlnOpticsGroup #1
///     _rlnTomoTiltSeriesPixelSize #2
///     1 1.350000
///
/// A block with pairs writes `_key value` lines; RELION and `starfile` expect a block to hold either pairs or a
/// loop, and one holding both is written with its pairs first. Values that are empty, contain whitespace or would
/// read as a keyword, label or comment (`data_...`, `loop_`, `_...`, `#...`, a leading quote) are quoted with `"`
/// (with `'` when the value holds a `"` followed by whitespace, which would close a `"` quote).
extension STARDocument {
    /// The comment line RELION 5 writes before each block.
    public static let relion5VersionComment = "# version 50001"

    /// The document as STAR text; `versionComment` (nil for none) is written before every block, as RELION does.
    public func text(versionComment: String? = STARDocument.relion5VersionComment) throws -> String {
        var out = ""
        for block in blocks {
            out += "\n"
            if let versionComment { out += versionComment + "\n\n" }
            out += "data_\(block.name)\n\n"
            for pair in block.pairs {
                out += "_\(pair.key) \(try STARQuoting.quoted(pair.value, file: block.file, block: block.name))\n"
            }
            if !block.pairs.isEmpty { out += "\n" }
            guard let loop = block.loop else { continue }
            out += "loop_\n"
            for (i, column) in loop.columns.enumerated() { out += "_\(column) #\(i + 1)\n" }
            for (r, row) in loop.rows.enumerated() {
                guard row.count == loop.columns.count else {
                    throw DiscaError.badInput("\(block.file): data_\(block.name) row \(r + 1) has \(row.count) values, "
                                              + "the loop has \(loop.columns.count) columns")
                }
                out += try row.map { try STARQuoting.quoted($0, file: block.file, block: block.name) }
                    .joined(separator: " ")
                out += "\n"
            }
            out += "\n"
        }
        return out
    }

    /// Writes the document to `path` (through a temporary file renamed into place); a failure is a
    /// `DiscaError.runtime` naming the path.
    public func write(to path: String, versionComment: String? = STARDocument.relion5VersionComment) throws {
        let body = try text(versionComment: versionComment)
        do {
            try body.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw DiscaError.runtime("cannot write STAR file \(path): \(error.localizedDescription)")
        }
    }
}

/// When and how a value is quoted on writing (the inverse of `STARTokenizer`).
enum STARQuoting {
    static func quoted(_ value: String, file: String, block: String) throws -> String {
        guard !value.contains(where: { $0 == "\n" || $0 == "\r" }) else {
            throw DiscaError.badInput(
                "\(file): data_\(block) value \"\(value)\" holds a line break, which STAR cannot hold")
        }
        guard needsQuotes(value) else { return value }
        if !closes(value, quote: "\"") { return "\"\(value)\"" }
        if !closes(value, quote: "'") { return "'\(value)'" }
        throw DiscaError.badInput("\(file): data_\(block) value \(value) holds both \"<space> and '<space>, "
                                  + "which no STAR quote can hold")
    }

    static func needsQuotes(_ value: String) -> Bool {
        guard let first = value.first else { return true }
        if value.contains(where: { $0.isWhitespace }) { return true }
        if "#_'\";".contains(first) { return true }
        let lower = value.lowercased()
        return lower.hasPrefix("data_") || lower == "loop_" || lower.hasPrefix("save_") || lower == "stop_"
            || lower.hasPrefix("global_")
    }

    /// Whether `quote` inside `value` would end a value quoted with it (a quote followed by whitespace).
    static func closes(_ value: String, quote: Character) -> Bool {
        let chars = Array(value)
        for i in 0..<chars.count where chars[i] == quote {
            if i + 1 < chars.count && chars[i + 1].isWhitespace { return true }
        }
        return false
    }
}
