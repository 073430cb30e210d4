import Foundation

/// Central finite differences for checking analytic gradients.
public enum GradientCheck {
    /// d loss / d values[i] for each i in `indices` by central differences with step `step`
    /// ((loss(v + h) - loss(v - h)) / 2h); `values[i]` is restored afterwards.
    public static func numeric(_ values: UnsafeMutablePointer<Float>, indices: [Int], step: Float,
                               loss: () throws -> Double) rethrows -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(indices.count)
        for i in indices {
            let saved = values[i]
            values[i] = saved + step
            let up = try loss()
            values[i] = saved - step
            let down = try loss()
            values[i] = saved
            // The step actually taken, after float rounding of saved +- step.
            let h = Double(saved + step) - Double(saved - step)
            out.append((up - down) / h)
        }
        return out
    }

    /// The largest |numeric - analytic| divided by the largest |analytic| of the tensor (or `floor` when larger):
    /// an error relative to the scale of the whole gradient, robust to entries that are nearly zero.
    public static func relativeError(numeric: [Double], analytic: [Double], floor: Double = 1e-12) -> Double {
        precondition(numeric.count == analytic.count)
        let scale = max(analytic.map { abs($0) }.max() ?? 0, numeric.map { abs($0) }.max() ?? 0, floor)
        return zip(numeric, analytic).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// Up to `limit` distinct indices in 0..<count, spread evenly (all of them when count <= limit).
    public static func spreadIndices(count: Int, limit: Int) -> [Int] {
        if count <= limit { return Array(0..<count) }
        return (0..<limit).map { $0 * count / limit }
    }

    /// One line of the printed gradient-check table.
    public static func row(_ layer: String, _ tensor: String, error: Double, tolerance: Double, checked: Int) -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        let e = String(format: "%.2e", error), t = String(format: "%.0e", tolerance)
        return "GRADCHECK | " + pad(layer, 26) + " | " + pad(tensor, 22) + " | max rel err " + e + " | tol " + t +
            " | entries " + String(checked)
    }
}
