import DiscaIO
import Foundation

/// A particle with its class, for painting (class 0-based; position in tomogram voxels).
public struct ClassifiedPick: Sendable {
    public var position: VoxelPosition
    public var classIndex: Int
    public init(position: VoxelPosition, classIndex: Int) { self.position = position; self.classIndex = classIndex }
}

/// The paper's re-embedding (docs/interfaces.md, `disca embed`): every pick's class painted into a volume the size of
/// its tomogram as a ball of `radiusVoxels` holding class + 1 (0 = no particle; where balls meet, the later pick in
/// the list wins), produced section by section so a large tomogram is never held whole.
public struct LabelPainter {
    public let picks: [ClassifiedPick]
    public let radiusVoxels: Double
    public let sizeVoxels: (x: Int, y: Int, z: Int)

    public init(picks: [ClassifiedPick], radiusVoxels: Double, sizeVoxels: (x: Int, y: Int, z: Int)) {
        self.picks = picks; self.radiusVoxels = radiusVoxels; self.sizeVoxels = sizeVoxels
    }

    /// Sections `zRange` of the label volume, (z, y, x) C order.
    public func sections(_ zRange: Range<Int>) -> [Float] {
        let s = sizeVoxels, r = radiusVoxels, plane = s.x * s.y
        var out = [Float](repeating: 0, count: zRange.count * plane)
        for p in picks {
            let q = p.position
            let z0 = max(zRange.lowerBound, Int((q.z - r).rounded(.up))), z1 = min(zRange.upperBound - 1, Int((q.z + r).rounded(.down)))
            guard z0 <= z1 else { continue }
            for z in z0...z1 {
                let dz = Double(z) - q.z, rz2 = r * r - dz * dz
                guard rz2 >= 0 else { continue }
                let ry = rz2.squareRoot()
                let y0 = max(0, Int((q.y - ry).rounded(.up))), y1 = min(s.y - 1, Int((q.y + ry).rounded(.down)))
                guard y0 <= y1 else { continue }
                for y in y0...y1 {
                    let dy = Double(y) - q.y, rx = max(0, rz2 - dy * dy).squareRoot()
                    let x0 = max(0, Int((q.x - rx).rounded(.up))), x1 = min(s.x - 1, Int((q.x + rx).rounded(.down)))
                    guard x0 <= x1 else { continue }
                    let row = ((z - zRange.lowerBound) * s.y + y) * s.x
                    for x in x0...x1 { out[row + x] = Float(p.classIndex + 1) }
                }
            }
        }
        return out
    }
}

/// A picture of one tomogram section with the picks that cut it drawn as coloured circles (their cross-section at
/// that z), one colour per class; gray values map mean -+ 3 SD of the section to black..white.
public enum SlicePicture {
    /// A palette of well-separated colours (class c takes colour c mod count).
    public static let palette: [(UInt8, UInt8, UInt8)] = [
        (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
        (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (220, 190, 255),
        (170, 110, 40), (255, 250, 200), (128, 0, 0), (170, 255, 195), (128, 128, 0), (255, 215, 180),
        (0, 0, 128), (128, 128, 128),
    ]

    /// `section` is (height, width) = (y, x) of section z; circles are drawn 2 pixels wide.
    public static func image(section: [Float], width: Int, height: Int, z: Int, picks: [ClassifiedPick],
                             radiusVoxels: Double) -> PNGImage {
        var sum = 0.0, squares = 0.0
        for v in section { sum += Double(v); squares += Double(v) * Double(v) }
        let n = Double(max(1, section.count)), mean = sum / n
        let sd = max(1e-12, (max(0, squares / n - mean * mean)).squareRoot())
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let t = max(0, min(1, ((Double(section[i]) - mean) / sd + 3) / 6))
            let g = UInt8((t * 255).rounded())
            pixels[3 * i] = g; pixels[3 * i + 1] = g; pixels[3 * i + 2] = g
        }
        for p in picks {
            let dz = Double(z) - p.position.z
            let r2 = radiusVoxels * radiusVoxels - dz * dz
            guard r2 > 0 else { continue }
            let r = r2.squareRoot()
            let colour = palette[p.classIndex % palette.count]
            let steps = max(16, Int(2 * Double.pi * (r + 1) * 2))
            for k in 0..<steps {
                let a = 2 * Double.pi * Double(k) / Double(steps)
                for w in [r - 0.5, r + 0.5] where w > 0 {
                    let x = Int((p.position.x + w * cos(a)).rounded()), y = Int((p.position.y + w * sin(a)).rounded())
                    guard x >= 0, y >= 0, x < width, y < height else { continue }
                    let o = 3 * (y * width + x)
                    pixels[o] = colour.0; pixels[o + 1] = colour.1; pixels[o + 2] = colour.2
                }
            }
        }
        return PNGImage(width: width, height: height, channels: 3, pixels: pixels)
    }
}
