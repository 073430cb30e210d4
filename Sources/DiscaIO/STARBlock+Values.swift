import DiscaCore

/// Typed access to the values of a block. Every failure is a one-line `DiscaError.badInput` naming the file, the
/// block, the column (or key), the 1-based row and the offending text.
extension STARBlock {
    /// The index of `column` in the loop; a block without a loop or without the column is an error that lists the
    /// columns it does have (at most 8).
    public func columnIndex(_ column: String) throws -> Int {
        guard let loop else {
            throw DiscaError.badInput("\(file): \(label) has no loop_, expected one with column _\(column)")
        }
        guard let index = loop.columnIndex(column) else {
            let known = loop.columns.prefix(8).map { "_" + $0 }.joined(separator: " ")
            let more = loop.columns.count > 8 ? " ..." : ""
            throw DiscaError.badInput(
                "\(file): \(label) has no column _\(column) (it has \(loop.columns.count): \(known)\(more))")
        }
        return index
    }

    /// The text of `column` in the 0-based `row`.
    public func string(column: String, row: Int) throws -> String {
        let c = try columnIndex(column)
        guard let loop, row >= 0, row < loop.rows.count else {
            throw DiscaError.badInput("\(file): \(label) row \(row + 1) does not exist (it has \(rowCount) rows)")
        }
        return loop.rows[row][c]
    }

    /// A finite real number from `column` in the 0-based `row` (`nan` and `inf` are rejected).
    public func double(column: String, row: Int) throws -> Double {
        let text = try string(column: column, row: row)
        guard let v = STARNumber.double(text) else {
            throw DiscaError.badInput(
                "\(file): \(label) row \(row + 1) column _\(column): expected a finite number, found \"\(text)\"")
        }
        return v
    }

    /// An integer from `column` in the 0-based `row` (an integral real such as `2.000000` is accepted).
    public func int(column: String, row: Int) throws -> Int {
        let text = try string(column: column, row: row)
        guard let v = STARNumber.int(text) else {
            throw DiscaError.badInput(
                "\(file): \(label) row \(row + 1) column _\(column): expected an integer, found \"\(text)\"")
        }
        return v
    }

    /// A finite real number from the pair `key`; a missing key is an error.
    public func double(key: String) throws -> Double {
        guard let text = value(key: key) else {
            throw DiscaError.badInput("\(file): \(label) has no key _\(key)")
        }
        guard let v = STARNumber.double(text) else {
            throw DiscaError.badInput("\(file): \(label) key _\(key): expected a finite number, found \"\(text)\"")
        }
        return v
    }
}

/// Number parsing shared by the accessors: decimal text only, finite.
enum STARNumber {
    static func double(_ text: String) -> Double? {
        guard let v = Double(text), v.isFinite else { return nil }
        return v
    }

    static func int(_ text: String) -> Int? {
        if let v = Int(text) { return v }
        guard let d = double(text), d == d.rounded(), abs(d) < 9e15 else { return nil }
        return Int(d)
    }
}
