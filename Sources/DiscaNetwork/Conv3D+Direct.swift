/// The plain, obviously correct Conv3D (valid, stride 1, cross-correlation as Keras computes it), used as the
/// reference for the lowered BLAS path and in tests. Loops accumulate in Double.
///
///   out[b, d, h, w, o] = bias[o] + sum_{i,j,k in 0..<3} sum_c x[b, d+i, h+j, w+k, c] * kernel[i, j, k, c, o]
public enum Conv3DDirect {
    /// out (B, Do, Ho, Wo, Cout) = conv(x (B, Di, Hi, Wi, Cin), kernel (3, 3, 3, Cin, Cout)) + bias (Cout)
    public static func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                               kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                               batch: Int, geometry g: ConvGeometry) {
        for b in 0..<batch {
            let xb = x + b * g.inElements, ob = out + b * g.outElements
            for d in 0..<g.outD { for h in 0..<g.outH { for w in 0..<g.outW {
                let orow = ob + ((d * g.outH + h) * g.outW + w) * g.cout
                for o in 0..<g.cout {
                    var acc = Double(bias[o])
                    for i in 0..<3 { for j in 0..<3 { for k in 0..<3 {
                        let xrow = xb + (((d + i) * g.inH + h + j) * g.inW + w + k) * g.cin
                        let krow = kernel + ((i * 3 + j) * 3 + k) * g.cin * g.cout + o
                        for c in 0..<g.cin { acc += Double(xrow[c]) * Double(krow[c * g.cout]) }
                    } } }
                    orow[o] = Float(acc)
                }
            } } }
        }
    }

    /// Given dOut (B, Do, Ho, Wo, Cout): dKernel (3, 3, 3, Cin, Cout) += x^T dOut, dBias (Cout) += sum dOut,
    /// and, when `dx` is given, dx (B, Di, Hi, Wi, Cin) += the transposed convolution of dOut.
    public static func backward(dx: UnsafeMutablePointer<Float>?, dKernel: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                x: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
                                batch: Int, geometry g: ConvGeometry) {
        // dBias and dKernel: one output position at a time.
        var dk = [Double](repeating: 0, count: g.kernelElements)
        var db = [Double](repeating: 0, count: g.cout)
        for b in 0..<batch {
            let xb = x + b * g.inElements, gb = dOut + b * g.outElements
            for d in 0..<g.outD { for h in 0..<g.outH { for w in 0..<g.outW {
                let grow = gb + ((d * g.outH + h) * g.outW + w) * g.cout
                for o in 0..<g.cout { db[o] += Double(grow[o]) }
                for i in 0..<3 { for j in 0..<3 { for k in 0..<3 {
                    let xrow = xb + (((d + i) * g.inH + h + j) * g.inW + w + k) * g.cin
                    let tap = ((i * 3 + j) * 3 + k) * g.cin
                    for c in 0..<g.cin {
                        let xv = Double(xrow[c])
                        for o in 0..<g.cout { dk[(tap + c) * g.cout + o] += xv * Double(grow[o]) }
                    }
                } } }
            } } }
        }
        for i in 0..<g.kernelElements { dKernel[i] += Float(dk[i]) }
        for o in 0..<g.cout { dBias[o] += Float(db[o]) }
        guard let dx else { return }
        // dx[b, p, c] = sum over the output positions q and taps t with q + t = p of dOut[b, q, :] . kernel[t, c, :]
        for b in 0..<batch {
            let dxb = dx + b * g.inElements, gb = dOut + b * g.outElements
            for pd in 0..<g.inD { for ph in 0..<g.inH { for pw in 0..<g.inW {
                let dxrow = dxb + ((pd * g.inH + ph) * g.inW + pw) * g.cin
                for c in 0..<g.cin {
                    var acc = 0.0
                    for i in 0..<3 { for j in 0..<3 { for k in 0..<3 {
                        let d = pd - i, h = ph - j, w = pw - k
                        guard d >= 0, d < g.outD, h >= 0, h < g.outH, w >= 0, w < g.outW else { continue }
                        let grow = gb + ((d * g.outH + h) * g.outW + w) * g.cout
                        let krow = kernel + (((i * 3 + j) * 3 + k) * g.cin + c) * g.cout
                        for o in 0..<g.cout { acc += Double(grow[o]) * Double(krow[o]) }
                    } } }
                    dxrow[c] += Float(acc)
                }
            } } }
        }
    }
}
