import DiscaCore
import Foundation

/// Points of the 2D PCA projection of a run: the first two PCA components and the cluster label of each point.
public struct RunProjection: Sendable, Equatable {
    public var x: [Float]
    public var y: [Float]
    public var labels: [Int32]
    /// Where the points came from, for the report ("samples.h5 /iteration_0004 (500 sampled subtomograms)").
    public var source: String
}

extension RunDirectoryReader {
    /// Most points read from result.h5 when samples.h5 is missing (an even stride over the rows beyond that).
    static let maximumProjectionPoints = 20_000

    /// The projection of iteration `iteration` from samples.h5 when it holds that iteration, otherwise the first
    /// two columns of result.h5 /features_pca with /labels; nil when neither file has them. With one PCA column
    /// the second coordinate is 0.
    public func projection(iteration: Int?) throws -> RunProjection? {
        if let iteration, exists("samples.h5") {
            let file = try HDF5File.open(samplesPath)
            defer { try? file.close() }
            let group = RunDirectoryReader.sampleGroup(iteration: iteration)
            if file.exists(group + "/features_pca") {
                return try project(file, features: group + "/features_pca", labels: group + "/labels",
                                   what: "samples.h5 \(group)", unit: "sampled subtomograms", limit: nil)
            }
        }
        guard exists("result.h5") else { return nil }
        let file = try HDF5File.open(resultPath)
        defer { try? file.close() }
        guard file.exists("/features_pca") else { return nil }
        return try project(file, features: "/features_pca", labels: "/labels", what: "result.h5",
                           unit: "subtomograms", limit: RunDirectoryReader.maximumProjectionPoints)
    }

    /// Reads columns 0 and 1 of `features` (N, P) and `labels` (N), block by block; with `limit`, every
    /// ceil(N / limit)-th row only.
    private func project(_ file: HDF5File, features: String, labels: String, what: String, unit: String,
                         limit: Int?) throws -> RunProjection {
        let shape = try file.requireDataset(features, rank: 2, floatingPoint: true, meaning: "(N, P) PCA features")
        let labelShape = try file.requireDataset(labels, rank: 1, floatingPoint: false, meaning: "(N) cluster labels")
        let (n, p) = (shape[0], shape[1])
        guard labelShape[0] == n else {
            throw DiscaError.badInput("\(file.path): \(labels) has \(labelShape[0]) rows but \(features) has \(n)")
        }
        guard p >= 1 else { throw DiscaError.badInput("\(file.path): \(features) has no columns") }
        let stride = limit.map { max(1, (n + $0 - 1) / $0) } ?? 1
        var out = RunProjection(x: [], y: [], labels: [], source: "")
        out.x.reserveCapacity(n / stride + 1)
        var start = 0
        while start < n {
            let rows = start..<min(n, start + RunDirectoryReader.resultBlockRows)
            let block: [Float] = try file.readRows(features, rows: rows)   // (rows, P)
            let blockLabels: [Int32] = try file.readRows(labels, rows: rows)
            for i in rows where i % stride == 0 {
                let r = i - rows.lowerBound
                out.x.append(block[r * p])
                out.y.append(p > 1 ? block[r * p + 1] : 0)
                out.labels.append(blockLabels[r])
            }
            start = rows.upperBound
        }
        out.source = stride > 1
            ? "\(what) (\(out.x.count) points: every \(stride)th of \(n) \(unit))"
            : "\(what) (\(n) \(unit))"
        return out
    }
}
