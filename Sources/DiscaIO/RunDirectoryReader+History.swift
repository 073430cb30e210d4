import DiscaCore
import Foundation

/// One line of history.jsonl: a finished iteration. Keys other than `iteration` and `K` may be null or absent
/// (`changed_fraction` is null at iteration 0, `loss` when nothing was trained).
public struct RunHistoryRecord: Decodable, Sendable, Equatable {
    public var iteration: Int
    public var clusterCount: Int
    public var bic: Double?
    public var ddbi: Double?
    public var changedFraction: Double?
    public var loss: Double?
    public var seconds: Double?
    public var subtomogramsPerSecond: Double?
    public var clusterSizes: [Int]?
    public var bestIteration: Int?
    public var learningRate: Double?
    public var smoothing: Double?
    public var converged: Bool?

    enum CodingKeys: String, CodingKey {
        case iteration, bic, ddbi, loss, seconds, smoothing, converged
        case clusterCount = "K"
        case changedFraction = "changed_fraction"
        case subtomogramsPerSecond = "subtomograms_per_second"
        case clusterSizes = "cluster_sizes"
        case bestIteration = "best_iteration"
        case learningRate = "learning_rate"
    }
}

extension RunDirectoryReader {
    /// The iterations of history.jsonl in order. A resumed run may have written an iteration twice; the last line
    /// of each iteration wins. Blank lines are skipped; a line that is not a record is `badInput` naming it.
    public func history() throws -> [RunHistoryRecord] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: historyPath)) } catch {
            throw DiscaError.badInput("\(historyPath): cannot read (\(error.localizedDescription))")
        }
        return try RunDirectoryReader.parseHistory(data, source: historyPath)
    }

    /// Parses JSON lines (exposed for tests of the format).
    public static func parseHistory(_ data: Data, source: String) throws -> [RunHistoryRecord] {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var byIteration: [Int: RunHistoryRecord] = [:]
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = line.filter { $0 != UInt8(ascii: "\r") }
            if text.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            let record: RunHistoryRecord
            do { record = try decoder.decode(RunHistoryRecord.self, from: Data(text)) } catch {
                throw DiscaError.badInput("\(source) line \(lineNumber): not an iteration record (\(describe(error)))")
            }
            guard record.iteration >= 0, record.clusterCount >= 0 else {
                throw DiscaError.badInput("\(source) line \(lineNumber): negative iteration or K")
            }
            byIteration[record.iteration] = record
        }
        guard !byIteration.isEmpty else { throw DiscaError.badInput("\(source): no iterations recorded yet") }
        return byIteration.keys.sorted().map { byIteration[$0]! }
    }

    /// A short reason from a decoding error ("key K missing", "iteration: expected a number").
    private static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "invalid JSON" }
        switch e {
        case .keyNotFound(let key, _): return "key \(key.stringValue) missing"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            let key = c.codingPath.map(\.stringValue).joined(separator: ".")
            return key.isEmpty ? "not a JSON object" : "\(key): wrong type or null"
        case .dataCorrupted(let c):
            let key = c.codingPath.map(\.stringValue).joined(separator: ".")
            return key.isEmpty ? "invalid JSON" : "\(key): invalid value"
        @unknown default: return "invalid JSON"
        }
    }
}

/// Which iteration a run keeps and why it stopped, from its history.
public struct RunChoice: Sendable, Equatable {
    /// The iteration with the lowest finite DDBI (the earliest on ties); nil when no iteration has one.
    public var lowestDDBIIteration: Int?
    /// True when the last recorded iteration says the run converged.
    public var converged: Bool
    public var lastIteration: Int
    public var iterationCount: Int

    public init(history: [RunHistoryRecord]) {
        var best: (iteration: Int, ddbi: Double)?
        for r in history {
            guard let d = r.ddbi, d.isFinite else { continue }
            if best == nil || d < best!.ddbi { best = (r.iteration, d) }
        }
        lowestDDBIIteration = best?.iteration
        converged = history.last?.converged ?? false
        lastIteration = history.last?.iteration ?? 0
        iterationCount = history.count
    }
}
