import DiscaCore

/// The `data_optics` loop of a RELION particle file, as far as picks need it: the tilt-series pixel size
/// (`rlnTomoTiltSeriesPixelSize`, angstrom) of each optics group (`rlnOpticsGroup`, 1-based).
struct PickOptics {
    let block: STARBlock?
    let file: String

    init(_ block: STARBlock?, file: String) { self.block = block; self.file = file }

    /// The tilt-series pixel size of particle `row` of `particles`, or nil when the optics block lacks one. The
    /// group is the particle's `rlnOpticsGroup`, or the only group when the particles have no such column.
    func tiltSeriesPixelSize(block particles: STARBlock, row: Int, place: String) throws -> Double? {
        guard let block, block.hasColumn(PickColumns.tiltSeriesPixelSize) else { return nil }
        let opticsRow: Int
        if particles.hasColumn(PickColumns.opticsGroup) {
            let group = try particles.int(column: PickColumns.opticsGroup, row: row)
            opticsRow = try self.row(ofGroup: group, place: place)
        } else {
            guard block.rowCount == 1 else {
                throw DiscaError.badInput("\(place): no _\(PickColumns.opticsGroup) column, and data_optics has "
                                          + "\(block.rowCount) groups (expected 1)")
            }
            opticsRow = 0
        }
        let pixel = try block.double(column: PickColumns.tiltSeriesPixelSize, row: opticsRow)
        guard pixel > 0 else {
            throw DiscaError.badInput("\(file): data_optics row \(opticsRow + 1) column "
                                      + "_\(PickColumns.tiltSeriesPixelSize): expected a positive size, found \(pixel)")
        }
        return pixel
    }

    private func row(ofGroup group: Int, place: String) throws -> Int {
        guard let block else { return 0 }
        if block.hasColumn(PickColumns.opticsGroup) {
            for r in 0..<block.rowCount where try block.int(column: PickColumns.opticsGroup, row: r) == group {
                return r
            }
        } else if group >= 1 && group <= block.rowCount {
            return group - 1
        }
        throw DiscaError.badInput("\(place): optics group \(group) is not in data_optics (\(block.rowCount) groups)")
    }

    /// Whether two sizes agree within 0.1% of the second.
    static func agree(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-3 * abs(b) }
}
