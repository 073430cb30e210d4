import DiscaCore

/// Finding the tomogram a particle file names. A name matches, in this order (the first level with a match wins;
/// two matches on one level are an error): (1) a tomogram's `name` exactly; (2) the file name (after the last
/// `/`) equals a tomogram's `name` or its path's file name; (3) those file names agree once a trailing
/// `.tomostar` (Warp), a RELION `:mrc` type suffix and then one extension `.mrc`/`.rec`/`.st` are removed.
/// Matching is case-sensitive.
struct TomogramMatcher {
    let tomograms: [TomogramDescription]
    private var cache: [String: Int] = [:]

    init(_ tomograms: [TomogramDescription]) { self.tomograms = tomograms }

    /// The index of the tomogram `name` refers to; `place` ("FILE row R column _C") prefixes the error.
    mutating func index(of name: String, place: String) throws -> Int {
        if let i = cache[name] { return i }
        let base = Self.fileName(name)
        let levels: [(TomogramDescription) -> Bool] = [
            { $0.name == name },
            { $0.name == base || Self.fileName($0.path) == base },
            { Self.stem(base) == Self.stem($0.name) || Self.stem(base) == Self.stem(Self.fileName($0.path)) },
        ]
        for matches in levels {
            let found = tomograms.indices.filter { matches(tomograms[$0]) }
            if found.count == 1 { cache[name] = found[0]; return found[0] }
            if found.count > 1 {
                let which = found.prefix(5).map { tomograms[$0].name }.joined(separator: ", ")
                throw DiscaError.badInput("\(place): tomogram name \"\(name)\" matches several tomograms: \(which)")
            }
        }
        let known = tomograms.prefix(5).map { $0.name }.joined(separator: ", ")
        let more = tomograms.count > 5 ? ", ... (\(tomograms.count) in all)" : ""
        throw DiscaError.badInput(
            "\(place): tomogram name \"\(name)\" matches no given tomogram (known: \(known)\(more))")
    }

    static func fileName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func stem(_ name: String) -> String {
        var s = name
        for suffix in [".tomostar", ":mrc"] where s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        for ext in [".mrc", ".rec", ".st"] where s.hasSuffix(ext) { s.removeLast(ext.count); break }
        return s
    }
}

/// Position checks shared by the readers.
enum PickBounds {
    /// Throws unless every coordinate lies in -0.5 ... size - 0.5 of `tomogram`.
    static func check(_ v: (x: Double, y: Double, z: Double), in tomogram: TomogramDescription, place: String) throws {
        let size = tomogram.sizeVoxels
        for (axis, value, n) in [("x", v.x, size.x), ("y", v.y, size.y), ("z", v.z, size.z)] {
            guard value >= -0.5 && value <= Double(n) - 0.5 else {
                throw DiscaError.badInput(
                    "\(place): \(axis) = \(value) voxels is outside tomogram \(tomogram.name) of "
                    + "\(size.x) x \(size.y) x \(size.z) voxels (\(axis) must lie in -0.5 ... \(Double(n) - 0.5))")
            }
        }
    }
}
