import DiscaCore

/// A STAR file as RELION writes and reads it: a sequence of `data_NAME` blocks, each holding key-value pairs
/// (`_rlnKey value`) and at most one `loop_` table (column labels `_rlnKey #N`, then rows of whitespace-separated
/// values). Values are kept as the text that was read (unquoted);
/// the typed accessors in `STARBlock+Values.swift` convert them and name the file, block, column and row when they
/// cannot. Reading is in `STARDocument+Read.swift`, writing in `STARDocument+Write.swift`.
public struct STARDocument: Equatable, Sendable {
    public var blocks: [STARBlock]

    public init(blocks: [STARBlock] = []) { self.blocks = blocks }

    /// The first block named `name` (without the `data_` prefix; `""` is the unnamed block `data_`).
    public func block(_ name: String) -> STARBlock? { blocks.first { $0.name == name } }

    /// The index of the first block named `name`.
    public func blockIndex(_ name: String) -> Int? { blocks.firstIndex { $0.name == name } }
}

/// One `_key value` line of a block. `key` has no leading underscore (`rlnTomoSubTomosAre2DStacks`).
public struct STARPair: Equatable, Sendable {
    public var key: String
    public var value: String
    public init(key: String, value: String) { self.key = key; self.value = value }
}

/// A `loop_` table: column labels without the leading underscore (`rlnCoordinateX`) and rows of values, every row
/// as long as `columns`.
public struct STARLoop: Equatable, Sendable {
    public var columns: [String]
    public var rows: [[String]]

    public init(columns: [String], rows: [[String]] = []) { self.columns = columns; self.rows = rows }

    /// The index of `column`, or nil.
    public func columnIndex(_ column: String) -> Int? { columns.firstIndex(of: column) }
}

/// One `data_NAME` block. `file` is where it was read from, for error messages only: it is not compared.
public struct STARBlock: Equatable, Sendable {
    /// The name after `data_` (`particles`, `optics`, `global`, or `""` for a bare `data_`).
    public var name: String
    public var pairs: [STARPair]
    public var loop: STARLoop?
    /// The file the block was read from (or a description such as "<memory>"); named in error messages.
    public var file: String

    public init(name: String, pairs: [STARPair] = [], loop: STARLoop? = nil, file: String = "<memory>") {
        self.name = name; self.pairs = pairs; self.loop = loop; self.file = file
    }

    public static func == (a: STARBlock, b: STARBlock) -> Bool {
        a.name == b.name && a.pairs == b.pairs && a.loop == b.loop
    }

    /// Number of rows of the loop (0 without one).
    public var rowCount: Int { loop?.rows.count ?? 0 }

    /// Whether the loop has `column`.
    public func hasColumn(_ column: String) -> Bool { loop?.columnIndex(column) != nil }

    /// The value of the pair `key` (no leading underscore), or nil.
    public func value(key: String) -> String? { pairs.first { $0.key == key }?.value }

    /// `data_NAME` as written in the file, for messages.
    var label: String { "data_\(name)" }
}
