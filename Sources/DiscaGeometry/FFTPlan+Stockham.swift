extension FFTPlan {
    /// Decimation-in-frequency Stockham passes. At a stage of radix r over sub-transforms of length L = r m, with
    /// s = n / L interleaved sub-problems (stride s):
    ///
    ///     y[q + s (r p + u)] = w_L^(p u) * sum_t x[q + s (p + t m)] w_r^(t u),   p < m, q < s, u < r
    ///
    /// which splits X[u + r k'] of every sub-problem into a length-m DFT over p; the output ends in natural order.
    func stockham(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>,
                  _ scratchRe: UnsafeMutablePointer<Double>, _ scratchIm: UnsafeMutablePointer<Double>) {
        var (xr, xi, yr, yi) = (re, im, scratchRe, scratchIm)
        var s = 1
        for stage in stages {
            let r = stage.radix, m = stage.length / r
            let twr = UnsafePointer(table + stage.twiddleOffset), twi = twr + m * r
            switch r {
            case 2: pass2(xr, xi, yr, yi, m, s, twr, twi)
            case 3: pass3(xr, xi, yr, yi, m, s, twr, twi)
            case 4: pass4(xr, xi, yr, yi, m, s, twr, twi)
            default:
                let rr = UnsafePointer(table + stage.rootOffset)
                passGeneric(xr, xi, yr, yi, m, s, r, twr, twi, rr, rr + r)
            }
            swap(&xr, &yr); swap(&xi, &yi)
            s *= r
        }
        if xr != re {
            re.update(from: xr, count: n)
            im.update(from: xi, count: n)
        }
    }

    @inline(__always)
    private func pass2(_ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>,
                       _ yr: UnsafeMutablePointer<Double>, _ yi: UnsafeMutablePointer<Double>,
                       _ m: Int, _ s: Int, _ twr: UnsafePointer<Double>, _ twi: UnsafePointer<Double>) {
        for p in 0..<m {
            let wr = twr[2 * p + 1], wi = twi[2 * p + 1]
            for q in 0..<s {
                let i0 = q + s * p, i1 = i0 + s * m
                let ar = xr[i0], ai = xi[i0], br = xr[i1], bi = xi[i1]
                let o = q + s * 2 * p
                yr[o] = ar + br; yi[o] = ai + bi
                let dr = ar - br, di = ai - bi
                yr[o + s] = dr * wr - di * wi; yi[o + s] = dr * wi + di * wr
            }
        }
    }

    @inline(__always)
    private func pass3(_ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>,
                       _ yr: UnsafeMutablePointer<Double>, _ yi: UnsafeMutablePointer<Double>,
                       _ m: Int, _ s: Int, _ twr: UnsafePointer<Double>, _ twi: UnsafePointer<Double>) {
        // w_3 = -1/2 - i sqrt(3)/2: u = 1, 2 give (a - (b + c) / 2) -+ i (sqrt(3) / 2) (b - c).
        let h = 0.866_025_403_784_438_6
        let sm = s * m
        for p in 0..<m {
            let w1r = twr[3 * p + 1], w1i = twi[3 * p + 1], w2r = twr[3 * p + 2], w2i = twi[3 * p + 2]
            for q in 0..<s {
                let i0 = q + s * p
                let ar = xr[i0], ai = xi[i0], br = xr[i0 + sm], bi = xi[i0 + sm]
                let cr = xr[i0 + 2 * sm], ci = xi[i0 + 2 * sm]
                let sr = br + cr, si = bi + ci, dr = br - cr, di = bi - ci
                let mr = ar - 0.5 * sr, mi = ai - 0.5 * si
                let o = q + s * 3 * p
                yr[o] = ar + sr; yi[o] = ai + si
                let u1r = mr + h * di, u1i = mi - h * dr
                yr[o + s] = u1r * w1r - u1i * w1i; yi[o + s] = u1r * w1i + u1i * w1r
                let u2r = mr - h * di, u2i = mi + h * dr
                yr[o + 2 * s] = u2r * w2r - u2i * w2i; yi[o + 2 * s] = u2r * w2i + u2i * w2r
            }
        }
    }

    @inline(__always)
    private func pass4(_ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>,
                       _ yr: UnsafeMutablePointer<Double>, _ yi: UnsafeMutablePointer<Double>,
                       _ m: Int, _ s: Int, _ twr: UnsafePointer<Double>, _ twi: UnsafePointer<Double>) {
        let sm = s * m
        for p in 0..<m {
            let w1r = twr[4 * p + 1], w1i = twi[4 * p + 1], w2r = twr[4 * p + 2], w2i = twi[4 * p + 2]
            let w3r = twr[4 * p + 3], w3i = twi[4 * p + 3]
            for q in 0..<s {
                let i0 = q + s * p
                let ar = xr[i0], ai = xi[i0], br = xr[i0 + sm], bi = xi[i0 + sm]
                let cr = xr[i0 + 2 * sm], ci = xi[i0 + 2 * sm], dr = xr[i0 + 3 * sm], di = xi[i0 + 3 * sm]
                // w_4 = -i: u = 1 uses (a - i b - c + i d), u = 3 uses (a + i b - c - i d).
                let s0r = ar + cr, s0i = ai + ci, d0r = ar - cr, d0i = ai - ci
                let s1r = br + dr, s1i = bi + di, d1r = br - dr, d1i = bi - di
                let o = q + s * 4 * p
                yr[o] = s0r + s1r; yi[o] = s0i + s1i
                let u1r = d0r + d1i, u1i = d0i - d1r
                yr[o + s] = u1r * w1r - u1i * w1i; yi[o + s] = u1r * w1i + u1i * w1r
                let u2r = s0r - s1r, u2i = s0i - s1i
                yr[o + 2 * s] = u2r * w2r - u2i * w2i; yi[o + 2 * s] = u2r * w2i + u2i * w2r
                let u3r = d0r - d1i, u3i = d0i + d1r
                yr[o + 3 * s] = u3r * w3r - u3i * w3i; yi[o + 3 * s] = u3r * w3i + u3i * w3r
            }
        }
    }

    /// Any radix r: a plain r-point DFT per butterfly (r <= largestDirectRadix, so at most 13^2 multiplies).
    private func passGeneric(_ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>,
                             _ yr: UnsafeMutablePointer<Double>, _ yi: UnsafeMutablePointer<Double>,
                             _ m: Int, _ s: Int, _ r: Int, _ twr: UnsafePointer<Double>, _ twi: UnsafePointer<Double>,
                             _ rr: UnsafePointer<Double>, _ ri: UnsafePointer<Double>) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * r) { buffer in
            let ar = buffer.baseAddress!, ai = ar + r
            let sm = s * m
            for p in 0..<m {
                for q in 0..<s {
                    let i0 = q + s * p
                    for t in 0..<r { ar[t] = xr[i0 + t * sm]; ai[t] = xi[i0 + t * sm] }
                    let o = q + s * r * p
                    for u in 0..<r {
                        var sr = 0.0, si = 0.0
                        var k = 0                                  // (t * u) mod r
                        for t in 0..<r {
                            sr += ar[t] * rr[k] - ai[t] * ri[k]
                            si += ar[t] * ri[k] + ai[t] * rr[k]
                            k += u; if k >= r { k -= r }
                        }
                        let wr = twr[p * r + u], wi = twi[p * r + u]
                        yr[o + s * u] = sr * wr - si * wi; yi[o + s * u] = sr * wi + si * wr
                    }
                }
            }
        }
    }
}
