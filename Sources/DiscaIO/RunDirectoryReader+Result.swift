import DiscaCore
import Foundation

/// The clusters of a run's result: size and mean posterior of each, and the result's root attributes.
public struct RunClusterSummary: Sendable, Equatable {
    /// Rows of result.h5 (subtomograms).
    public var count: Int
    /// K: the attribute, or the width of /posterior when the attribute is absent.
    public var clusterCount: Int
    /// Members of each cluster (length K).
    public var sizes: [Int]
    /// Mean over the members of cluster k of their posterior probability of k; nil for an empty cluster.
    public var meanPosterior: [Double?]
    /// Root attributes (nil when absent).
    public var bestIteration: Int?
    public var iterations: Int?
    public var ddbi: Double?
}

extension RunDirectoryReader {
    /// Rows read at a time from result.h5 (memory stays bounded for millions of subtomograms).
    static let resultBlockRows = 1 << 16

    /// Sizes and mean posteriors of the clusters in result.h5, streamed in blocks of rows.
    /// Checks the shapes (/labels (N) integers, /posterior (N, K) floating point) and that every label is in 0..<K.
    public func clusterSummary() throws -> RunClusterSummary {
        let file = try HDF5File.open(resultPath)
        defer { try? file.close() }
        let labelShape = try file.requireDataset("/labels", rank: 1, floatingPoint: false, meaning: "(N) cluster labels")
        let postShape = try file.requireDataset("/posterior", rank: 2, floatingPoint: true, meaning: "(N, K) posteriors")
        let n = labelShape[0]
        guard postShape[0] == n else {
            throw DiscaError.badInput("\(resultPath): /posterior has \(postShape[0]) rows but /labels has \(n)")
        }
        let width = postShape[1]
        let k = file.hasAttribute("K") ? try file.intAttribute("K") : width
        // After the alignment refinement /labels are the refined classes while /posterior stays the loop mixture's
        // (K_network columns): there is no posterior of the refined classes to summarise.
        let refined = file.exists("/labels_network")
        guard refined || k == width else {
            throw DiscaError.badInput("\(resultPath): attribute K is \(k) but /posterior has \(width) columns")
        }
        var sizes = [Int](repeating: 0, count: k)
        var sums = [Double](repeating: 0, count: k)
        var start = 0
        while start < n {
            let rows = start..<min(n, start + RunDirectoryReader.resultBlockRows)
            let labels: [Int32] = try file.readRows("/labels", rows: rows)
            let post: [Float] = refined ? [] : try file.readRows("/posterior", rows: rows)   // (rows, K)
            for (i, label) in labels.enumerated() {
                let c = Int(label)
                guard c >= 0, c < k else {
                    throw DiscaError.badInput("\(resultPath): /labels[\(rows.lowerBound + i)] is \(c), outside 0..<\(k)")
                }
                sizes[c] += 1
                if !refined { sums[c] += Double(post[i * k + c]) }
            }
            start = rows.upperBound
        }
        return RunClusterSummary(
            count: n, clusterCount: k, sizes: sizes,
            meanPosterior: (0..<k).map { sizes[$0] > 0 && !refined ? sums[$0] / Double(sizes[$0]) : nil },
            bestIteration: file.hasAttribute("best_iteration") ? try file.intAttribute("best_iteration") : nil,
            iterations: file.hasAttribute("iterations") ? try file.intAttribute("iterations") : nil,
            ddbi: file.hasAttribute("ddbi") ? try file.doubleAttribute("ddbi") : nil)
    }
}
