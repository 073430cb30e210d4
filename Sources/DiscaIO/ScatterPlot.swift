import DiscaCore
import Foundation

/// An 8-bit sRGB colour.
public struct RGBColor: Sendable, Equatable, Hashable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    /// "#1f77b4".
    public var hex: String { String(format: "#%02x%02x%02x", r, g, b) }
}

/// An RGB raster: pixels row by row, 3 bytes each, origin at the top left. // (height, width, 3)
public struct RGBCanvas: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, fill: RGBColor = RGBColor(255, 255, 255)) {
        precondition(width > 0 && height > 0, "canvas must not be empty")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { pixels[3 * i] = fill.r; pixels[3 * i + 1] = fill.g; pixels[3 * i + 2] = fill.b }
    }

    /// Sets one pixel; coordinates outside the canvas are ignored.
    public mutating func set(_ x: Int, _ y: Int, _ c: RGBColor) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = 3 * (y * width + x)
        pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b
    }

    public func color(_ x: Int, _ y: Int) -> RGBColor {
        let i = 3 * (y * width + x)
        return RGBColor(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ c: RGBColor) {
        for yy in max(0, y)..<min(height, y + h) { for xx in max(0, x)..<min(width, x + w) { set(xx, yy, c) } }
    }

    public mutating func disk(cx: Int, cy: Int, radius: Int, _ c: RGBColor) {
        for dy in -radius...radius { for dx in -radius...radius where dx * dx + dy * dy <= radius * radius + radius {
            set(cx + dx, cy + dy, c)
        } }
    }
}

/// A 2D scatter plot of points coloured by cluster: equal axis scales, an axes box, light zero lines, the cluster
/// number written beside the median of its points, "PC1"/"PC2" axis names. No legend: `color(ofCluster:)` is printed
/// beside each cluster in the text report instead.
public enum ScatterPlot {
    /// matplotlib's tab10 then tab20's light shades; beyond 20 clusters, hues spaced by the golden angle.
    static let palette: [UInt32] = [0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f,
                                    0xbcbd22, 0x17becf, 0xaec7e8, 0xffbb78, 0x98df8a, 0xff9896, 0xc5b0d5, 0xc49c94,
                                    0xf7b6d2, 0xc7c7c7, 0xdbdb8d, 0x9edae5]

    public static func color(ofCluster k: Int) -> RGBColor {
        if k >= 0 && k < palette.count {
            let v = palette[k]
            return RGBColor(UInt8(v >> 16), UInt8((v >> 8) & 0xff), UInt8(v & 0xff))
        }
        let hue = (Double(max(k, 0)) * 0.618_033_988_75).truncatingRemainder(dividingBy: 1)
        return hsv(hue: hue, saturation: 0.75, value: 0.85)
    }

    static let boxColor = RGBColor(60, 60, 60)
    static let zeroLineColor = RGBColor(225, 225, 225)

    /// Draws the points (`x`, `y`, `labels` of equal length; non-finite points are skipped) on a
    /// `width` x `height` canvas. Points are drawn in a fixed pseudo-random order so that no cluster hides another
    /// wholesale.
    public static func render(x: [Float], y: [Float], labels: [Int32], width: Int = 640, height: Int = 640) -> RGBCanvas {
        precondition(x.count == y.count && x.count == labels.count, "x, y and labels must have equal lengths")
        var canvas = RGBCanvas(width: width, height: height)
        let (left, top, right, bottom) = (44, 16, width - 16, height - 40)   // the axes box, inclusive
        let finite = x.indices.filter { x[$0].isFinite && y[$0].isFinite }
        // Equal scales: one span for both axes, centred on the data, 5% padding.
        let xs = finite.map { Double(x[$0]) }, ys = finite.map { Double(y[$0]) }
        let (x0, x1) = (xs.min() ?? -1, xs.max() ?? 1), (y0, y1) = (ys.min() ?? -1, ys.max() ?? 1)
        var span = max(x1 - x0, y1 - y0) * 1.1
        if !(span > 0) { span = 1 }
        let pixels = Double(min(right - left, bottom - top))
        let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2)
        let (px, py) = (Double(left + right) / 2, Double(top + bottom) / 2)
        func toPixel(_ u: Double, _ v: Double) -> (Int, Int) {
            (Int((px + (u - cx) / span * pixels).rounded()), Int((py - (v - cy) / span * pixels).rounded()))
        }
        let (zx, zy) = toPixel(0, 0)
        if zx > left && zx < right { canvas.fillRect(x: zx, y: top, width: 1, height: bottom - top, zeroLineColor) }
        if zy > top && zy < bottom { canvas.fillRect(x: left, y: zy, width: right - left, height: 1, zeroLineColor) }

        let radius = finite.count <= 2_000 ? 3 : (finite.count <= 10_000 ? 2 : 1)
        let order = finite.sorted { scramble($0) < scramble($1) }
        var members: [Int32: [(Int, Int)]] = [:]
        for i in order {
            let (u, v) = toPixel(Double(x[i]), Double(y[i]))
            canvas.disk(cx: u, cy: v, radius: radius, color(ofCluster: Int(labels[i])))
            members[labels[i], default: []].append((u, v))
        }
        // The box last, over any point that reached it.
        canvas.fillRect(x: left, y: top, width: right - left + 1, height: 1, boxColor)
        canvas.fillRect(x: left, y: bottom, width: right - left + 1, height: 1, boxColor)
        canvas.fillRect(x: left, y: top, width: 1, height: bottom - top + 1, boxColor)
        canvas.fillRect(x: right, y: top, width: 1, height: bottom - top + 1, boxColor)
        BitmapText.draw("PC1", on: &canvas, centerX: (left + right) / 2, centerY: bottom + 20, scale: 2)
        BitmapText.drawVertical("PC2", on: &canvas, centerX: 20, centerY: (top + bottom) / 2, scale: 2)
        // Cluster numbers just above and right of the median point, which stays visible (a cluster of a few
        // points is not hidden under its own number).
        for (label, points) in members.sorted(by: { $0.key < $1.key }) {
            let mx = median(points.map(\.0)), my = median(points.map(\.1))
            let text = String(label), textWidth = (text.count * 6 - 1) * 2
            BitmapText.draw(text, on: &canvas, centerX: mx + radius + 4 + textWidth / 2, centerY: my - radius - 4 - 7,
                            scale: 2, halo: true)
        }
        return canvas
    }

    /// Writes the canvas as a PNG file.
    public static func writePNG(_ canvas: RGBCanvas, to path: String) throws {
        do {
            try Data(PNGWriter.encode(PNGImage(width: canvas.width, height: canvas.height, channels: 3, pixels: canvas.pixels)))
                .write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DiscaError.runtime("\(path): cannot write the PNG (\(error.localizedDescription))")
        }
    }

    private static func median(_ v: [Int]) -> Int { v.sorted()[v.count / 2] }

    /// A fixed bijective scramble of indices (Knuth's multiplicative hash) for the drawing order.
    private static func scramble(_ i: Int) -> UInt32 { UInt32(truncatingIfNeeded: i) &* 2_654_435_761 }

    private static func hsv(hue: Double, saturation s: Double, value v: Double) -> RGBColor {
        let h = hue * 6, i = Int(h) % 6, f = h - Double(Int(h))
        let (p, q, t) = (v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f)))
        let (r, g, b): (Double, Double, Double) = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
        return RGBColor(UInt8(r * 255), UInt8(g * 255), UInt8(b * 255))
    }
}
