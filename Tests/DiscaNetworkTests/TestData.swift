import DiscaCore
@testable import DiscaNetwork
import Foundation

/// Small deterministic test data.
enum TestData {
    static func normal(_ count: Int, seed: UInt64, index: Int = 0, sd: Double = 1) -> [Float] {
        var s = RandomStream(seed: seed, key: RandomKey(.test, iteration: 0, item: index))
        return (0..<count).map { _ in Float(s.normal() * sd) }
    }

    static func uniform(_ count: Int, seed: UInt64, index: Int = 0, range: ClosedRange<Double>) -> [Float] {
        var s = RandomStream(seed: seed, key: RandomKey(.test, iteration: 0, item: index))
        return (0..<count).map { _ in Float(range.lowerBound + s.uniform() * (range.upperBound - range.lowerBound)) }
    }

    /// Smoothed one-hot targets (B, K): (1 - alpha) onehot + alpha / K.
    static func targets(labels: [Int], classes k: Int, smoothing alpha: Float) -> [Float] {
        var t = [Float](repeating: alpha / Float(k), count: labels.count * k)
        for (b, l) in labels.enumerated() { t[b * k + l] += 1 - alpha }
        return t
    }

    /// sum_i w_i y_i in Double.
    static func dot(_ w: [Float], _ y: UnsafePointer<Float>) -> Double {
        var s = 0.0
        for i in w.indices { s += Double(w[i]) * Double(y[i]) }
        return s
    }

    static func maxAbs(_ a: [Float]) -> Float { a.map { abs($0) }.max() ?? 0 }

    /// max |a - b| / max(max |b|, floor)
    static func relativeDifference(_ a: [Float], _ b: [Float], floor: Float = 1e-30) -> Float {
        precondition(a.count == b.count, "\(a.count) vs \(b.count)")
        let scale = max(maxAbs(b), floor)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// The shared data folder (../shared/data relative to the repository root), or nil when it is absent.
    static func sharedFixtures(_ file: String = #filePath) -> String? {
        // #filePath = <root>/Tests/DiscaNetworkTests/TestData.swift
        let root = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let dir = root.deletingLastPathComponent().appendingPathComponent("shared/data/fixtures").path
        return FileManager.default.fileExists(atPath: dir) ? dir : nil
    }
}
