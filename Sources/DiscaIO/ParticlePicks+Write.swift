import DiscaCore
import Foundation

/// Writing picks back: the input document with a column added, and disca's own picks as a RELION 3-style STAR.
extension ParticlePicks {
    /// The input document unchanged except for its particle loop: rows limited to `rows` (0-based rows of the
    /// loop, i.e. `ParticlePick.row`) in that order, with `column` (no leading underscore, e.g. `rlnClassNumber`)
    /// set to `values` (added at the end, or replaced where present). For plain coordinates the document is the
    /// RELION 3-style one of `document(picks:tomograms:)`, and `rows` are lines of the input.
    public func document(addingColumn column: String, values: [String], rows: [Int],
                         tomograms: [TomogramDescription] = []) throws -> STARDocument {
        guard values.count == rows.count else {
            throw DiscaError.badInput("\(file): \(values.count) values for column _\(column) but \(rows.count) rows")
        }
        var base: STARDocument
        var position: [Int: Int] = [:]
        if let document {
            base = document
        } else {
            base = try Self.document(picks: picks, tomograms: tomograms)
            for (i, p) in picks.enumerated() { position[p.row] = i }
        }
        guard let b = base.blockIndex(particleBlock ?? "particles"), var loop = base.blocks[b].loop else {
            throw DiscaError.internalError("\(file): particle block data_\(particleBlock ?? "particles") vanished")
        }
        let c = loop.columnIndex(column) ?? loop.columns.count
        if c == loop.columns.count { loop.columns.append(column) }
        var out: [[String]] = []
        out.reserveCapacity(rows.count)
        for (value, r) in zip(values, rows) {
            let at = document == nil ? position[r] : r
            guard let at, at >= 0, at < loop.rows.count else {
                throw DiscaError.badInput(
                    "\(file): row \(r + 1) asked for, the particle loop has \(loop.rows.count) rows")
            }
            var row = loop.rows[at]
            if c == row.count { row.append(value) } else { row[c] = value }
            out.append(row)
        }
        loop.rows = out
        base.blocks[b].loop = loop
        return base
    }

    /// disca's own picks as a RELION 3-style document: `data_particles` with `rlnTomoName` (the tomogram's name),
    /// `rlnCoordinateX/Y/Z` in 0-based tomogram voxels (6 decimals), then `extraColumns` in order (for example
    /// `rlnAutopickFigureOfMerit`), each with one value per pick.
    public static func document(picks: [ParticlePick], tomograms: [TomogramDescription],
                                extraColumns: [(name: String, values: [String])] = []) throws -> STARDocument {
        for (name, values) in extraColumns where values.count != picks.count {
            throw DiscaError.badInput("column _\(name): \(values.count) values for \(picks.count) picks")
        }
        var loop = STARLoop(columns: [PickColumns.tomoName] + PickColumns.pixel + extraColumns.map { $0.name })
        loop.rows.reserveCapacity(picks.count)
        for (i, p) in picks.enumerated() {
            guard p.tomogramIndex >= 0 && p.tomogramIndex < tomograms.count else {
                throw DiscaError.badInput("pick \(i + 1): tomogram index \(p.tomogramIndex) is not one of the "
                                          + "\(tomograms.count) tomograms given")
            }
            var row = [tomograms[p.tomogramIndex].name] + [p.x, p.y, p.z].map { String(format: "%.6f", $0) }
            row += extraColumns.map { $0.values[i] }
            loop.rows.append(row)
        }
        return STARDocument(blocks: [STARBlock(name: "particles", loop: loop)])
    }
}
