import DiscaCore
import Foundation

/// Plain coordinate files (`.coords` as TomoTwin writes, `.txt`): one particle per line, `X Y Z` in tomogram voxels
/// separated by spaces or tabs; blank lines and lines starting with `#` are skipped. All belong to one tomogram.
extension ParticlePicks {
    static func readPlain(_ path: String, tomograms: [TomogramDescription]) throws -> ParticlePicks {
        guard tomograms.count == 1 else {
            throw DiscaError.badInput(
                "\(path): plain coordinates belong to one tomogram, \(tomograms.count) were given")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let why = FileManager.default.fileExists(atPath: path) ? "not readable as UTF-8 text" : "no such file"
            throw DiscaError.badInput("cannot read coordinates file \(path): \(why)")
        }
        var picks: [ParticlePick] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            let place = "\(path) line \(index + 1)"
            guard fields.count == 3 else {
                throw DiscaError.badInput("\(place): expected 3 numbers X Y Z, found \(fields.count) values")
            }
            var v: [Double] = []
            for (axis, field) in zip(["X", "Y", "Z"], fields) {
                guard let d = STARNumber.double(String(field)) else {
                    throw DiscaError.badInput("\(place): \(axis): expected a finite number, found \"\(field)\"")
                }
                v.append(d)
            }
            try PickBounds.check((v[0], v[1], v[2]), in: tomograms[0], place: place)
            picks.append(ParticlePick(tomogramIndex: 0, x: v[0], y: v[1], z: v[2], row: index))
        }
        return ParticlePicks(convention: .plainCoordinates, file: path, document: nil, particleBlock: nil,
                             picks: picks)
    }
}
