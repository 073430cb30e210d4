import DiscaCore
import Foundation

/// The plain-text summary of a run (`disca report`): the iterations, the chosen iteration and why, its clusters,
/// and the PCA scatter plot written beside it.
public enum RunReport {
    /// Reads the run directory, writes the scatter plot to `pngPath` (when there is something to plot) and returns
    /// the report's text.
    public static func make(_ run: RunDirectoryReader, pngPath: String) throws -> String {
        let history = try run.history()
        let choice = RunChoice(history: history)
        let clusters = run.exists("result.h5") ? try run.clusterSummary() : nil
        let chosen = clusters?.bestIteration ?? history.last?.bestIteration ?? choice.lowestDDBIIteration
            ?? choice.lastIteration
        var lines = ["disca report: \(run.path)"]
        let first = history.first!.iteration
        let span = history.count == 1 ? "1 iteration recorded (iteration \(first))"
            : "\(history.count) iterations recorded (\(first)-\(choice.lastIteration))"
        lines.append(span + "; " + stopReason(history, choice, run.storedConfig()))
        lines.append("")
        lines += iterationTable(history, chosen: chosen)
        lines.append("")
        lines.append(choiceReason(history, choice, chosen: chosen, resultBest: clusters?.bestIteration))
        if let clusters {
            lines.append("")
            lines += clusterTable(clusters, iteration: chosen, history: history)
        } else {
            lines.append("clusters: no result.h5 in the run directory yet")
        }
        lines.append("")
        if let projection = try run.projection(iteration: chosen) {
            let canvas = ScatterPlot.render(x: projection.x, y: projection.y, labels: projection.labels)
            try ScatterPlot.writePNG(canvas, to: pngPath)
            lines.append("PCA projection: \(pngPath)")
            lines.append("  PC1 (across) vs PC2 (up) of \(projection.source), colored by cluster, cluster numbers beside "
                         + "the median of their points")
        } else {
            lines.append("PCA projection: none (neither samples.h5 nor result.h5 /features_pca is there yet)")
        }
        return lines.joined(separator: "\n")
    }

    /// Why the run ended: converged, reached the iteration limit, or not finished.
    static func stopReason(_ history: [RunHistoryRecord], _ choice: RunChoice, _ config: DiscaConfig?) -> String {
        if choice.converged {
            let changed = history.last?.changedFraction.map { ", \(fixed($0, 4)) of the labels changed" } ?? ""
            return "the run converged at iteration \(choice.lastIteration)\(changed)."
        }
        guard let maximum = config?.loop.maxIterations else {
            return "the run did not converge in the iterations recorded."
        }
        if choice.lastIteration + 1 >= maximum {
            return "the run stopped at the limit of \(maximum) iterations (loop.max_iterations) without converging."
        }
        return "the run has not finished: not converged and below loop.max_iterations = \(maximum) "
            + "(still running, or stopped: resume with `disca train --resume`)."
    }

    static func choiceReason(_ history: [RunHistoryRecord], _ choice: RunChoice, chosen: Int, resultBest: Int?) -> String {
        let lowest = choice.lowestDDBIIteration
        let lowestDDBI = history.first { $0.iteration == lowest }?.ddbi
        guard let lowest, let lowestDDBI else {
            return "chosen iteration: \(chosen) (no iteration recorded a DDBI)."
        }
        let among = "the lowest DDBI (\(fixed(lowestDDBI, 4)), lower is better) among the \(history.count) iterations"
        if lowest == chosen {
            return "chosen iteration: \(chosen) (marked *), \(among)" + (resultBest == chosen ? "; result.h5 holds it." : ".")
        }
        return "chosen iteration: \(chosen) (marked *, as result.h5 says); note: \(among) is at iteration \(lowest)."
    }

    static func iterationTable(_ history: [RunHistoryRecord], chosen: Int) -> [String] {
        var rows = [["iteration", "K", "BIC", "DDBI", "changed", "loss", "seconds"]]
        for r in history {
            rows.append(["\(r.iteration)\(r.iteration == chosen ? "*" : " ")", "\(r.clusterCount)",
                         opt(r.bic, 2), opt(r.ddbi, 4), opt(r.changedFraction, 4), opt(r.loss, 4), opt(r.seconds, 1)])
        }
        return alignRight(rows)
    }

    static func clusterTable(_ c: RunClusterSummary, iteration: Int, history: [RunHistoryRecord]) -> [String] {
        var lines = ["clusters of iteration \(iteration) (result.h5: \(c.count) subtomograms, K = \(c.clusterCount)):"]
        var rows = [["cluster", "size", "percent", "mean posterior", "color"]]
        for k in 0..<c.clusterCount {
            let percent = c.count > 0 ? 100 * Double(c.sizes[k]) / Double(c.count) : 0
            rows.append(["\(k)", "\(c.sizes[k])", fixed(percent, 1) + "%", opt(c.meanPosterior[k], 4),
                         ScatterPlot.color(ofCluster: k).hex])
        }
        lines += alignRight(rows)
        if let recorded = history.first(where: { $0.iteration == iteration }), recorded.clusterCount != c.clusterCount {
            lines.append("note: history.jsonl records K = \(recorded.clusterCount) at iteration \(iteration), "
                         + "result.h5 has K = \(c.clusterCount)")
        }
        return lines
    }

    /// Columns right-aligned to their widest cell, two spaces apart.
    static func alignRight(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { col in rows.map { $0[col].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { col, cell in
                String(repeating: " ", count: widths[col] - cell.count) + cell
            }.joined(separator: "  ")
        }
    }

    static func opt(_ v: Double?, _ decimals: Int) -> String { v.map { fixed($0, decimals) } ?? "-" }

    static func fixed(_ v: Double, _ decimals: Int) -> String {
        v.isFinite ? String(format: "%.\(decimals)f", v) : (v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf"))
    }
}
