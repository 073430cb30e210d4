import DiscaGeometry
import DiscaIO

/// A picture of simulated subtomograms: one row per class, a few subtomograms per row, each shown as two central
/// slices side by side: xy (z = D / 2, perpendicular to the beam) and xz (y = D / 2, containing the beam axis, where
/// the missing wedge elongates features along z). z runs down the xz slice. Gray values map [-3, 3] standard
/// deviations to [0, 255]; tiles are enlarged `scale` times (nearest neighbour) and separated by dark blue gaps.
public enum Montage {
    /// `rows[c]` holds the subtomograms (D^3, C order) of class c.
    public static func image(rows: [[[Float]]], box d: Int, scale: Int = 4, clip: Float = 3) -> PNGImage {
        let gap = 2 * scale, pair = 2 * d * scale + scale   // xy | xz with a thin gap
        let columns = max(1, rows.map(\.count).max() ?? 1)
        let width = gap + columns * (pair + gap), height = gap + rows.count * (d * scale + gap)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { pixels[3 * i] = 20; pixels[3 * i + 1] = 30; pixels[3 * i + 2] = 70 }
        func gray(_ v: Float) -> UInt8 {
            let t = (max(-clip, min(clip, v)) + clip) / (2 * clip)
            return UInt8((t * 255).rounded())
        }
        func put(_ px: Int, _ py: Int, _ g: UInt8) {
            for dy in 0..<scale {
                for dx in 0..<scale {
                    let o = 3 * ((py + dy) * width + px + dx)
                    pixels[o] = g; pixels[o + 1] = g; pixels[o + 2] = g
                }
            }
        }
        for (r, row) in rows.enumerated() {
            let top = gap + r * (d * scale + gap)
            for (c, v) in row.enumerated() {
                precondition(v.count == d * d * d, "Montage: subtomogram of \(v.count) values, expected \(d)^3")
                let left = gap + c * (pair + gap)
                let zc = d / 2, yc = d / 2
                for a in 0..<d {
                    for x in 0..<d {
                        put(left + x * scale, top + a * scale, gray(v[(zc * d + a) * d + x]))                // xy, row y
                        put(left + (d + 1) * scale + x * scale, top + a * scale, gray(v[(a * d + yc) * d + x])) // xz, row z
                    }
                }
            }
        }
        return PNGImage(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// The first `perClass` subtomograms of each class (in index order) from a simulator, as a montage.
    public static func image(simulator: Simulator, perClass: Int = 6, scale: Int = 4) -> PNGImage {
        var rows = [[[Float]]](repeating: [], count: simulator.classes.count)
        var i = 0
        while i < simulator.count && rows.contains(where: { $0.count < perClass }) {
            let label = Int(simulator.labels[i])
            if rows[label].count < perClass { rows[label].append(simulator.subtomogram(i).data) }
            i += 1
        }
        return image(rows: rows, box: simulator.parameters.box, scale: scale)
    }
}
