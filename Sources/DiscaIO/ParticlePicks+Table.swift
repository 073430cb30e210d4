import DiscaCore

/// Reads the picks of a STAR particle loop under one convention (see `ParticlePicks` for the arithmetic and its
/// source in RELION 5).
struct PickTableReader {
    let file: String
    let document: STARDocument
    let block: STARBlock
    let tomograms: [TomogramDescription]
    var tomogramSet: TomogramSetTable?
    private var matcher: TomogramMatcher
    private let optics: PickOptics

    init(file: String, document: STARDocument, block: STARBlock, tomograms: [TomogramDescription]) {
        self.file = file; self.document = document; self.block = block; self.tomograms = tomograms
        self.matcher = TomogramMatcher(tomograms)
        self.optics = PickOptics(document.block("optics"), file: file)
    }

    mutating func picks(_ convention: PickConvention) throws -> [ParticlePick] {
        let columns = convention == .relion5Centered ? PickColumns.centered : PickColumns.pixel
        let nameColumn: String
        if convention == .relion5Centered || block.hasColumn(PickColumns.tomoName) {
            nameColumn = PickColumns.tomoName
        } else if block.hasColumn(PickColumns.micrographName) {
            nameColumn = PickColumns.micrographName
        } else {
            throw DiscaError.badInput("\(file): \(block.label) has neither _\(PickColumns.tomoName) nor "
                                      + "_\(PickColumns.micrographName) to name each particle's tomogram")
        }
        for c in columns + [nameColumn] where !block.hasColumn(c) {
            let known = block.loop?.columns.prefix(8).map { "_" + $0 }.joined(separator: " ") ?? ""
            throw DiscaError.badInput("\(file) row 1 of \(block.label): no column _\(c) (the loop has "
                                      + "\(block.loop?.columns.count ?? 0) columns: \(known))")
        }
        var out: [ParticlePick] = []
        out.reserveCapacity(block.rowCount)
        for r in 0..<block.rowCount {
            let place = "\(file) row \(r + 1) of \(block.label)"
            let name = try block.string(column: nameColumn, row: r)
            let t = try matcher.index(of: name, place: place + " column _\(nameColumn)")
            let c = try columns.map { try block.double(column: $0, row: r) }
            let v: (x: Double, y: Double, z: Double)
            switch convention {
            case .relionPixels, .plainCoordinates:
                v = (c[0], c[1], c[2])
            case .relionTiltSeriesPixels:
                let g = try geometry(row: r, starName: name, tomogram: t, place: place)
                v = (c[0] / g.binning, c[1] / g.binning, c[2] / g.binning)
            case .relion5Centered:
                let g = try geometry(row: r, starName: name, tomogram: t, place: place)
                func voxel(_ a: Double, _ size: Double) -> Double { (a / g.pixel + size / 2) / g.binning }
                v = (voxel(c[0], g.size.x), voxel(c[1], g.size.y), voxel(c[2], g.size.z))
            }
            try PickBounds.check(v, in: tomograms[t], place: place)
            out.append(ParticlePick(tomogramIndex: t, x: v.x, y: v.y, z: v.z, row: r))
        }
        return out
    }

    /// Tilt-series pixel size, binning and unbinned size (pixels) for row `r` in tomogram `t`: from
    /// `tomograms.star` when given (checked against the MRC voxel size and size), else derived from the MRC voxel
    /// size and the optics group's tilt-series pixel size.
    private func geometry(row r: Int, starName: String, tomogram t: Int, place: String) throws
        -> (pixel: Double, binning: Double, size: (x: Double, y: Double, z: Double)) {
        let tomo = tomograms[t]
        let opticsPixel = try optics.tiltSeriesPixelSize(block: block, row: r, place: place)
        guard let set = tomogramSet else {
            guard let pixel = opticsPixel else {
                throw DiscaError.badInput(
                    "\(place): no _\(PickColumns.tiltSeriesPixelSize) in data_optics and no tomograms.star given, "
                    + "so tomogram voxels (\(tomo.voxelSizeAngstrom) A) cannot be related to tilt-series pixels")
            }
            let binning = tomo.voxelSizeAngstrom / pixel
            let s = tomo.sizeVoxels
            return (pixel, binning, (Double(s.x) * binning, Double(s.y) * binning, Double(s.z) * binning))
        }
        guard let e = set.entries[starName] else {
            let known = set.entries.keys.sorted().prefix(5).joined(separator: ", ")
            throw DiscaError.badInput("\(place): tomogram \(starName) has no row in \(set.file) data_global "
                                      + "(known: \(known.isEmpty ? "none" : known))")
        }
        let at = "\(place): \(set.file) data_global row \(e.row) (\(e.name))"
        guard PickOptics.agree(e.tomogramVoxelSizeAngstrom, tomo.voxelSizeAngstrom) else {
            throw DiscaError.badInput(
                "\(at): rlnTomoTiltSeriesPixelSize \(e.tiltSeriesPixelSizeAngstrom) x rlnTomoTomogramBinning "
                + "\(e.binning) = \(e.tomogramVoxelSizeAngstrom) A differs from the voxel size "
                + "\(tomo.voxelSizeAngstrom) A of \(tomo.path) by more than 0.1%")
        }
        let s = tomo.sizeVoxels
        let expected = [(e.unbinnedSizePixels.x, s.x), (e.unbinnedSizePixels.y, s.y), (e.unbinnedSizePixels.z, s.z)]
        for (unbinned, voxels) in expected where abs(unbinned / e.binning - Double(voxels)) > 1 {
            throw DiscaError.badInput(
                "\(at): size \(e.unbinnedSizePixels.x) x \(e.unbinnedSizePixels.y) x \(e.unbinnedSizePixels.z) "
                + "pixels / binning \(e.binning) does not match \(tomo.path) of \(s.x) x \(s.y) x \(s.z) voxels")
        }
        var pixel = e.tiltSeriesPixelSizeAngstrom
        if let opticsPixel {
            guard PickOptics.agree(opticsPixel, pixel) else {
                throw DiscaError.badInput(
                    "\(at): rlnTomoTiltSeriesPixelSize \(pixel) A differs from \(opticsPixel) A in data_optics "
                    + "by more than 0.1%")
            }
            pixel = opticsPixel
        }
        return (pixel, e.binning, e.unbinnedSizePixels)
    }
}
