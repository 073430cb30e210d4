import ArgumentParser
import DiscaCore
import DiscaIO
import DiscaStats
import Foundation

struct EvaluateCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Compare a clustering with the truth: K, homogeneity, completeness, V-measure, ARI, accuracy.",
        discussion: "Accuracy (after the best one-to-one matching of clusters to classes) is given only when the " +
            "estimated K equals the number of true classes. Values match scikit-learn's.")

    @Option(help: "A result file with /labels (RUNDIR/result.h5, or the output of `disca cluster` or `predict`).")
    var result: String
    @Option(help: "The simulated set with /labels_true.") var truth: String
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let resultFile = try HDF5File.open(result, comm: comm)
        let truthFile = try HDF5File.open(truth, comm: comm)
        let (predicted, actual): ([Int32], [Int32]) = try comm.collectively {
            try resultFile.requireDataset("/labels", rank: 1, floatingPoint: false, meaning: "(N) cluster labels")
            try truthFile.requireDataset("/labels_true", rank: 1, floatingPoint: false, meaning: "(N) true classes")
            let n = try resultFile.info(of: "/labels").shape[0], m = try truthFile.info(of: "/labels_true").shape[0]
            guard n == m else {
                throw DiscaError.badInput("\(result) has \(n) labels but \(truth) has \(m) true labels; they must describe the same subtomograms")
            }
            let mine = comm.rows(of: n)
            let p: [Int32] = try resultFile.readRows("/labels", rows: mine)
            let t: [Int32] = try truthFile.readRows("/labels_true", rows: mine)
            if let bad = (p + t).first(where: { $0 < 0 }) { throw DiscaError.badInput("negative label \(bad)") }
            return (p, t)
        }
        let m = try ClusteringMetrics.compute(predicted: predicted, truth: actual, comm: comm)
        if json {
            var object: [String: Any] = ["K": m.clusters, "true_K": m.classes, "n": m.sampleCount,
                                         "homogeneity": m.homogeneity, "completeness": m.completeness,
                                         "v_measure": m.vMeasure, "adjusted_rand_index": m.adjustedRandIndex]
            object["accuracy"] = m.accuracy.map { $0 as Any } ?? NSNull()
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            context.say(String(decoding: data, as: UTF8.self))
            return
        }
        context.say("""
            subtomograms          \(m.sampleCount)
            estimated K           \(m.clusters)  (true classes: \(m.classes))
            homogeneity           \(String(format: "%.4f", m.homogeneity))
            completeness          \(String(format: "%.4f", m.completeness))
            V-measure             \(String(format: "%.4f", m.vMeasure))
            adjusted Rand index   \(String(format: "%.4f", m.adjustedRandIndex))
            accuracy (matched)    \(m.accuracy.map { String(format: "%.4f", $0) } ?? "n/a (K differs from the number of classes)")
            """)
    }
}
