import Foundation

extension FFTPlan {
    /// Bluestein's chirp-z transform: with w_j = exp(-i pi j^2 / n), j k = (j^2 + k^2 - (k - j)^2) / 2 gives
    ///
    ///     X[k] = w_k * sum_j (x_j w_j) conj(w_(k - j))
    ///
    /// a convolution, done circularly at a power-of-two length M >= 2n - 1 with the radix-2/4 plan.
    final class Bluestein: @unchecked Sendable {
        let n: Int
        let inner: FFTPlan
        let chirpRe: [Double], chirpIm: [Double]            // (n): w_j
        let kernelRe: [Double], kernelIm: [Double]          // (M): FFT of conj(w) laid out circularly

        init(n: Int) {
            self.n = n
            var m = 1
            while m < 2 * n - 1 { m *= 2 }
            inner = FFTPlan(length: m)
            var cr = [Double](repeating: 0, count: n), ci = cr
            for j in 0..<n {
                let angle = -Double.pi * Double((j * j) % (2 * n)) / Double(n)   // j^2 mod 2n keeps it exact
                cr[j] = cos(angle); ci[j] = sin(angle)
            }
            chirpRe = cr; chirpIm = ci
            var kr = [Double](repeating: 0, count: m), ki = kr
            kr[0] = cr[0]; ki[0] = -ci[0]
            for j in 1..<max(n, 1) {
                kr[j] = cr[j]; ki[j] = -ci[j]
                kr[m - j] = cr[j]; ki[m - j] = -ci[j]
            }
            let k = inner.transform(kr, ki)
            kernelRe = k.re; kernelIm = k.im
        }

        func forward(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
            let m = inner.n
            var ar = [Double](repeating: 0, count: m), ai = ar
            for j in 0..<n {
                ar[j] = re[j] * chirpRe[j] - im[j] * chirpIm[j]
                ai[j] = re[j] * chirpIm[j] + im[j] * chirpRe[j]
            }
            ar.withUnsafeMutableBufferPointer { pr in
                ai.withUnsafeMutableBufferPointer { pi in
                    inner.forward(pr.baseAddress!, pi.baseAddress!)
                    for k in 0..<m {
                        let r = pr[k] * kernelRe[k] - pi[k] * kernelIm[k]
                        let i = pr[k] * kernelIm[k] + pi[k] * kernelRe[k]
                        pr[k] = r; pi[k] = i
                    }
                    inner.inverse(pr.baseAddress!, pi.baseAddress!)
                }
            }
            for k in 0..<n {
                re[k] = ar[k] * chirpRe[k] - ai[k] * chirpIm[k]
                im[k] = ar[k] * chirpIm[k] + ai[k] * chirpRe[k]
            }
        }
    }
}

/// The plain O(n^2) discrete Fourier transform, the reference every fast transform is tested against.
public enum DFTReference {
    public static func transform(_ re: [Double], _ im: [Double], inverse: Bool = false) -> (re: [Double], im: [Double]) {
        let n = re.count
        let sign = inverse ? 1.0 : -1.0
        var outR = [Double](repeating: 0, count: n), outI = outR
        for k in 0..<n {
            var sr = 0.0, si = 0.0
            for j in 0..<n {
                let angle = sign * 2 * Double.pi * Double((j * k) % n) / Double(n)
                let c = cos(angle), s = sin(angle)
                sr += re[j] * c - im[j] * s
                si += re[j] * s + im[j] * c
            }
            outR[k] = inverse ? sr / Double(n) : sr
            outI[k] = inverse ? si / Double(n) : si
        }
        return (outR, outI)
    }
}
