import DiscaCore
import Foundation

/// Reading STAR text. The grammar accepted (RELION's subset of STAR):
/// - `data_NAME` starts a block (NAME may be empty); nothing but comments and blank lines may come before the first.
/// - `_key value` is a pair of the block; `loop_` starts the block's table, whose `_label` lines (an optional
///   `#N` after the label is a comment) come first, then rows. A `_key value` line after rows ends the table and is
///   a pair again. A block holds one `loop_` at most.
/// - `#` comments and blank lines may appear anywhere. Semicolon text fields and `save_` frames are not supported.
/// Every malformed line is a one-line `DiscaError.badInput` naming the file and the 1-based line.
extension STARDocument {
    /// Reads the STAR file at `path`; a missing or unreadable file is an error naming the path.
    public static func read(_ path: String) throws -> STARDocument {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let why = FileManager.default.fileExists(atPath: path) ? "not readable as UTF-8 text" : "no such file"
            throw DiscaError.badInput("cannot read STAR file \(path): \(why)")
        }
        return try parse(text, file: path)
    }

    /// Parses STAR `text`; `file` names it in error messages.
    public static func parse(_ text: String, file: String = "<memory>") throws -> STARDocument {
        var parser = STARParser(file: file)
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            try parser.consume(line, lineNumber: lineNumber)
        }
        return parser.finish()
    }
}

/// The line-by-line state of a parse.
struct STARParser {
    let file: String
    var blocks: [STARBlock] = []
    /// Reading a loop's labels (true) or its rows (false); meaningful only while `inLoop`.
    var readingLabels = false
    var inLoop = false

    init(file: String) { self.file = file }

    mutating func consume(_ line: Substring, lineNumber: Int) throws {
        let at = "\(file) line \(lineNumber)"
        if line.first == ";" {
            throw DiscaError.badInput("\(at): semicolon text fields are not supported")
        }
        let tokens = try STARTokenizer.tokens(line, file: file, lineNumber: lineNumber)
        guard let first = tokens.first else { return }
        let lower = first.lowercased()
        if lower.hasPrefix("data_") && !isQuoted(line) {
            guard tokens.count == 1 else {
                throw DiscaError.badInput("\(at): expected only data_NAME, found \(tokens.count) values")
            }
            blocks.append(STARBlock(name: String(first.dropFirst(5)), file: file))
            inLoop = false
            return
        }
        guard !blocks.isEmpty else {
            throw DiscaError.badInput("\(at): expected data_NAME before \"\(first)\"")
        }
        let b = blocks.count - 1
        if lower == "loop_" && !isQuoted(line) {
            guard blocks[b].loop == nil else {
                throw DiscaError.badInput("\(at): a second loop_ in block data_\(blocks[b].name) (one per block)")
            }
            guard tokens.count == 1 else {
                throw DiscaError.badInput("\(at): expected only loop_, found \(tokens.count) values")
            }
            blocks[b].loop = STARLoop(columns: [])
            inLoop = true
            readingLabels = true
            return
        }
        if first.hasPrefix("_") && !isQuoted(line) {
            let name = String(first.dropFirst())
            if inLoop && readingLabels {
                guard tokens.count == 1 else {
                    throw DiscaError.badInput(
                        "\(at): expected one label _\(name) in loop_, found \(tokens.count) values")
                }
                guard blocks[b].loop?.columnIndex(name) == nil else {
                    throw DiscaError.badInput("\(at): column _\(name) appears twice in data_\(blocks[b].name)")
                }
                blocks[b].loop?.columns.append(name)
                return
            }
            inLoop = false
            guard tokens.count == 2 else {
                throw DiscaError.badInput("\(at): expected _\(name) and one value, found \(tokens.count - 1) values")
            }
            blocks[b].pairs.append(STARPair(key: name, value: tokens[1]))
            return
        }
        guard inLoop, let columns = blocks[b].loop?.columns.count, columns > 0 else {
            throw DiscaError.badInput("\(at): value \"\(first)\" outside a loop_ (expected _key value)")
        }
        readingLabels = false
        guard tokens.count == columns else {
            throw DiscaError.badInput(
                "\(at): row has \(tokens.count) values, data_\(blocks[b].name) has \(columns) columns")
        }
        blocks[b].loop?.rows.append(tokens)
    }

    func finish() -> STARDocument { STARDocument(blocks: blocks) }

    /// Whether the line's first non-blank character is a quote (a quoted value is never a keyword or label).
    private func isQuoted(_ line: Substring) -> Bool {
        guard let c = line.first(where: { $0 != " " && $0 != "\t" }) else { return false }
        return c == "'" || c == "\""
    }
}
