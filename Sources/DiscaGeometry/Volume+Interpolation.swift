import DiscaCore

/// A map from output voxel positions to input voxel positions, built from a rotation about the box centres,
/// a shift and a scale: the content of the input, rotated by `rotation` about its centre and then moved by `shift`
/// output voxels, is sampled on the output grid.
///
///     input position (x, y, z) = c_in + scale * R^T (p - c_out - shift)
///
/// where p is the output voxel position and c the box centres ((n - 1) / 2 per axis). `scale` is the output voxel
/// size over the input voxel size (2 means each output voxel spans two input voxels).
public struct VolumeTransform: Sendable {
    public var rotation: Rotation3
    /// Shift of the content in output voxels (x, y, z).
    public var shift: (x: Double, y: Double, z: Double)
    public var scale: Double

    public init(rotation: Rotation3 = .identity, shift: (x: Double, y: Double, z: Double) = (0, 0, 0),
                scale: Double = 1) {
        self.rotation = rotation; self.shift = shift; self.scale = scale
    }
}

extension Volume {
    /// Trilinear interpolation at (z, y, x) in voxels; corners outside the box take the value `fill`.
    public func trilinear(z: Double, y: Double, x: Double, fill: Float = 0) -> Float {
        let z0 = Int((z).rounded(.down)), y0 = Int((y).rounded(.down)), x0 = Int((x).rounded(.down))
        let fz = Float(z - Double(z0)), fy = Float(y - Double(y0)), fx = Float(x - Double(x0))
        func v(_ zz: Int, _ yy: Int, _ xx: Int) -> Float {
            zz >= 0 && zz < depth && yy >= 0 && yy < height && xx >= 0 && xx < width ? data[index(zz, yy, xx)] : fill
        }
        let c00 = v(z0, y0, x0) * (1 - fx) + v(z0, y0, x0 + 1) * fx
        let c01 = v(z0, y0 + 1, x0) * (1 - fx) + v(z0, y0 + 1, x0 + 1) * fx
        let c10 = v(z0 + 1, y0, x0) * (1 - fx) + v(z0 + 1, y0, x0 + 1) * fx
        let c11 = v(z0 + 1, y0 + 1, x0) * (1 - fx) + v(z0 + 1, y0 + 1, x0 + 1) * fx
        return (c00 * (1 - fy) + c01 * fy) * (1 - fz) + (c10 * (1 - fy) + c11 * fy) * fz
    }

    /// Samples this map through `transform` onto a new `(depth, height, width)` grid by trilinear interpolation.
    /// Output voxels whose input position lies outside the box [0, n - 1]^3 get `fill`; returns the new volume.
    /// Plain reference: `transformedReference` evaluates the same formula voxel by voxel with `trilinear`.
    public func transformed(_ transform: VolumeTransform, depth od: Int, height oh: Int, width ow: Int,
                            fill: Float = 0) -> Volume {
        var out = Volume(depth: od, height: oh, width: ow)
        let r = transform.rotation.transposed, s = transform.scale
        let ci = center
        let co = (z: Double(od - 1) / 2, y: Double(oh - 1) / 2, x: Double(ow - 1) / 2)
        let (w, h, d) = (width, height, depth)
        let maxX = Double(w - 1), maxY = Double(h - 1), maxZ = Double(d - 1)
        // Input position of output voxel p is a + x * ex + y * ey + z * ez (affine in p).
        let ex = r.apply(s, 0, 0), ey = r.apply(0, s, 0), ez = r.apply(0, 0, s)
        let a0 = r.apply(-s * (co.x + transform.shift.x), -s * (co.y + transform.shift.y),
                         -s * (co.z + transform.shift.z))
        let a = (x: a0.x + ci.x, y: a0.y + ci.y, z: a0.z + ci.z)
        data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                var o = 0
                for z in 0..<od {
                    for y in 0..<oh {
                        var px = a.x + Double(z) * ez.x + Double(y) * ey.x
                        var py = a.y + Double(z) * ez.y + Double(y) * ey.y
                        var pz = a.z + Double(z) * ez.z + Double(y) * ey.z
                        for _ in 0..<ow {
                            if px >= 0 && px <= maxX && py >= 0 && py <= maxY && pz >= 0 && pz <= maxZ {
                                dst[o] = interpolateInside(src, px, py, pz, w, h, d)
                            } else {
                                dst[o] = fill
                            }
                            o += 1
                            px += ex.x; py += ex.y; pz += ex.z
                        }
                    }
                }
            }
        }
        return out
    }

    /// The same as `transformed`, written plainly (for tests).
    public func transformedReference(_ transform: VolumeTransform, depth od: Int, height oh: Int, width ow: Int,
                                     fill: Float = 0) -> Volume {
        let r = transform.rotation.transposed, s = transform.scale, ci = center
        let co = (z: Double(od - 1) / 2, y: Double(oh - 1) / 2, x: Double(ow - 1) / 2)
        return Volume(depth: od, height: oh, width: ow) { z, y, x in
            let q = r.apply(Double(x) - co.x - transform.shift.x, Double(y) - co.y - transform.shift.y,
                            Double(z) - co.z - transform.shift.z)
            let p = (x: ci.x + s * q.x, y: ci.y + s * q.y, z: ci.z + s * q.z)
            let inside = p.x >= 0 && p.x <= Double(width - 1) && p.y >= 0 && p.y <= Double(height - 1)
                && p.z >= 0 && p.z <= Double(depth - 1)
            return inside ? trilinear(z: p.z, y: p.y, x: p.x, fill: 0) : fill
        }
    }

    /// Rotates the content by `rotation` about the box centre (same grid); voxels from outside get `fill`.
    public func rotated(by rotation: Rotation3, fill: Float = 0) -> Volume {
        transformed(VolumeTransform(rotation: rotation), depth: depth, height: height, width: width, fill: fill)
    }

    /// Rotates the content about the box centre; voxels that come from outside the box get independent N(0, 1)
    /// draws from `stream`, in voxel order (the DISCA training augmentation, docs/algorithm.md section 5).
    /// The input must hold no NaN (NaN marks the outside voxels while sampling).
    public func rotated(by rotation: Rotation3, noiseFill stream: inout RandomStream) -> Volume {
        var out = rotated(by: rotation, fill: .nan)
        for i in out.data.indices where out.data[i].isNaN { out.data[i] = Float(stream.normal()) }
        return out
    }
}

/// Trilinear interpolation at a position known to lie in [0, n - 1] on every axis.
@inline(__always)
private func interpolateInside(_ src: UnsafeBufferPointer<Float>, _ px: Double, _ py: Double, _ pz: Double,
                               _ w: Int, _ h: Int, _ d: Int) -> Float {
    let x0 = min(Int(px), w - 2 < 0 ? 0 : w - 2), y0 = min(Int(py), h - 2 < 0 ? 0 : h - 2)
    let z0 = min(Int(pz), d - 2 < 0 ? 0 : d - 2)
    let fx = Float(px - Double(x0)), fy = Float(py - Double(y0)), fz = Float(pz - Double(z0))
    let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1), z1 = min(z0 + 1, d - 1)
    let r00 = (z0 * h + y0) * w, r01 = (z0 * h + y1) * w, r10 = (z1 * h + y0) * w, r11 = (z1 * h + y1) * w
    let c00 = src[r00 + x0] + (src[r00 + x1] - src[r00 + x0]) * fx
    let c01 = src[r01 + x0] + (src[r01 + x1] - src[r01 + x0]) * fx
    let c10 = src[r10 + x0] + (src[r10 + x1] - src[r10 + x0]) * fx
    let c11 = src[r11 + x0] + (src[r11 + x1] - src[r11 + x0]) * fx
    let c0 = c00 + (c01 - c00) * fy, c1 = c10 + (c11 - c10) * fy
    return c0 + (c1 - c0) * fz
}
