import DiscaCore
import DiscaIO
import DiscaStats
import Foundation

extension Trainer {
    /// The fixed random sample of rows whose PCA features are kept per iteration for plots (report.sample_size).
    func sampleRows() -> [Int] {
        let n = source.count
        let s = min(config.report.sampleSize, n)
        var stream = RandomStream(seed: seed, key: RandomKey(.sampling))
        return Array(stream.permutation(n).prefix(s)).sorted()
    }

    /// Appends this iteration's sampled PCA features and labels to samples.h5 (gathered to rank 0, which rewrites
    /// the file under a temporary name and renames it, so a kill never leaves it half written).
    func writeSamples(projected: LocalRows<Float>, labels local: [Int32], k: Int, bic: Double, ddbi: Double) throws {
        let rows = sampleRows()
        let p = projected.dims
        let mine = projected.globalRows
        var values = [Double](repeating: 0, count: rows.count * (p + 1))
        for (j, r) in rows.enumerated() where mine.contains(r) {
            let l = r - mine.lowerBound
            for c in 0..<p { values[j * (p + 1) + c] = Double(projected.values[l * p + c]) }
            values[j * (p + 1) + p] = Double(local[l])
        }
        try comm.allreduce(&values, .sum)
        let iteration = state.iteration
        try comm.collectively {
            guard comm.rank == 0 else { return }
            let path = runDirectory.samplesPath
            let tmp = path + ".tmp"
            try? FileManager.default.removeItem(atPath: tmp)   // a stale one from a killed run
            let out = try HDF5File.create(tmp)
            try out.write("/rows", rows.map { Int64($0) }, shape: [rows.count])
            // The earlier iterations are copied over; an existing file that cannot be read is an error, never
            // silently dropped.
            if FileManager.default.fileExists(atPath: path) {
                let old = try HDF5File.open(path)
                for name in try old.members(of: "/") where name.hasPrefix("iteration_") {
                    guard let i = Int(name.dropFirst("iteration_".count)), i < iteration else { continue }
                    let g = "/\(name)"
                    let shape = try old.info(of: "\(g)/features_pca").shape
                    try out.write("\(g)/features_pca", try old.read("\(g)/features_pca") as [Float], shape: shape)
                    try out.write("\(g)/labels", try old.read("\(g)/labels") as [Int32], shape: [shape[0]])
                    for a in ["K", "bic", "ddbi"] where old.hasAttribute(a, on: g) {
                        let v = try old.doublesAttribute(a, on: g)
                        try out.setAttribute(a, a == "K" ? .int(Int(v[0])) : .double(v[0]), on: g)
                    }
                }
                try old.close()
            }
            let g = String(format: "/iteration_%04d", iteration)
            try out.write("\(g)/features_pca", (0..<rows.count).flatMap { j in (0..<p).map { Float(values[j * (p + 1) + $0]) } },
                          shape: [rows.count, p])
            try out.write("\(g)/labels", (0..<rows.count).map { Int32(values[$0 * (p + 1) + p]) }, shape: [rows.count])
            try out.setAttribute("K", .int(k), on: g)
            try out.setAttribute("bic", .double(bic), on: g)
            try out.setAttribute("ddbi", .double(ddbi), on: g)
            try out.close()
            try renameFile(tmp, to: path)
        }
    }
}
