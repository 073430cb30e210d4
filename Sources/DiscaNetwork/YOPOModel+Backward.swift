import DiscaCore

extension YOPOModel {
    /// The backward pass of the last `forwardTraining`: gradients += this rank's share of d(mean loss)/d(parameters).
    /// With `inputGradient` (B, D, D, D) it also writes d loss / d input (through the dropout).
    func backwardTraining(comm: Communicator, inputGradient: UnsafeMutablePointer<Float>? = nil) throws {
        let a = architecture, ws = training, b = ws.batch, tapCount = a.tapCount
        precondition(ws.ready, "backward pass without a forward pass")
        let workers = max(1, threads)
        let grad = gradients.pointer, param = parameters.pointer

        // Head, Dense, tap BatchNorm: (B, K) -> (B, F) -> (B, T)
        ws.probabilities.withPointer { p in
            head.backward(dFeatures: ws.dFeatures.pointer, features: ws.features.pointer, probs: p,
                          targets: ws.targets.pointer, batch: b, batchTotal: ws.batchTotal)
        }
        Dense.backward(dx: ws.dTaps.pointer, dKernel: grad + layout.denseKernel.offset,
                       dBias: grad + layout.denseBias.offset, dy: ws.dFeatures.pointer, x: ws.tapsNormalized.pointer,
                       kernel: param + layout.denseKernel.offset, batch: b, inputs: tapCount, outputs: a.featureSize)
        try BatchNorm.backward(dx: ws.dTaps.pointer, dGamma: grad + layout.tapGamma.offset,
                               dBeta: grad + layout.tapBeta.offset, dy: ws.dTaps.pointer, x: ws.taps.pointer,
                               gamma: param + layout.tapGamma.offset, statistics: ws.tapStatistics!, rows: b,
                               channels: tapCount, comm: comm)

        // Blocks, last to first. dY: d loss / d (BatchNorm output of block l), (B, V_l, C_l).
        var dY = ws.gradientA.pointer, dPrevious = ws.gradientB.pointer
        dY.update(repeating: 0, count: b * plans[a.blocks - 1].outElements)
        for l in stride(from: a.blocks - 1, through: 0, by: -1) {
            let plan = plans[l], c = plan.channels, v = plan.outVoxels, slots = layout.blocks[l]
            let stats = ws.blockStatistics[l]
            let scaleHere = ws.affine[l].pointer
            // The tap gradient goes to the arg-max voxel of the BatchNorm output (arg-min of z when scale < 0).
            let dTaps = ws.dTaps.pointer, offset = a.tapOffset(ofBlock: l)
            for s in 0..<b {
                for ch in 0..<c {
                    let voxel = max(0, Int(scaleHere[ch] >= 0 ? ws.maxIndex[l].pointer[s * c + ch] : ws.minIndex[l].pointer[s * c + ch]))
                    dY[(s * v + voxel) * c + ch] += dTaps[s * tapCount + offset + ch]
                }
            }
            // BatchNorm backward: the two per-channel sums over the global batch.
            let z = UnsafePointer(ws.z[l].pointer)
            let chunks = plan.chunks(batch: b, workers: workers)
            let dYc = dY
            for w in 0..<workers { ws.sums[w].pointer.update(repeating: 0, count: 2 * c) }
            stats.mean.withPointer { mean in
                stats.inverseStd.withPointer { rstd in
                    ParallelWorkers.run(workers: workers, items: chunks.count) { w, item in
                        let (first, n) = chunks[item]
                        BatchNorm.accumulateBackwardSums(ws.sums[w].pointer, dy: dYc + first * v * c,
                                                         x: z + first * v * c, mean: mean, inverseStd: rstd,
                                                         rows: n * v, channels: c)
                    }
                }
            }
            let localSums = Self.sumWorkers(ws.sums, workers: workers, count: 2 * c)
            let (meanDy, meanDyXhat) = try BatchNorm.reduceBackwardSums(
                localSums: localSums, dGamma: grad + slots.gamma.offset, dBeta: grad + slots.beta.offset,
                statistics: stats, comm: comm)

            // Per chunk: da = BatchNorm backward * ELU'(z) in place in dY; dBias, dKernel; dx into dPrevious.
            let wantInput = l > 0 || inputGradient != nil
            let dx: UnsafeMutablePointer<Float>? = !wantInput ? nil : (l > 0 ? dPrevious : ws.inputGradient.pointer)
            let input = l == 0 ? UnsafePointer(ws.input.pointer) : UnsafePointer(ws.z[l - 1].pointer)
            let scale: UnsafePointer<Float>? = l == 0 ? nil : UnsafePointer(ws.affine[l - 1].pointer)
            let shift: UnsafePointer<Float>? = l == 0 ? nil : UnsafePointer(ws.affine[l - 1].pointer + plans[l - 1].channels)
            let inElements = plan.geometry.inElements, kernelCount = plan.geometry.kernelElements
            let kernel = UnsafePointer(param + slots.kernel.offset), gamma = UnsafePointer(param + slots.gamma.offset)
            for w in 0..<workers {
                ws.dKernel[w].pointer.update(repeating: 0, count: kernelCount)
                ws.dBias[w].pointer.update(repeating: 0, count: c)
            }
            stats.mean.withPointer { mean in
                stats.inverseStd.withPointer { rstd in
                    meanDy.withPointer { mdy in
                        meanDyXhat.withPointer { mdyx in
                            ParallelWorkers.run(workers: workers, items: chunks.count) { w, item in
                                let (first, n) = chunks[item]
                                let da = dYc + first * v * c
                                Self.batchNormELUBackward(da: da, z: z + first * v * c, gamma: gamma, mean: mean,
                                                          inverseStd: rstd, meanDy: mdy, meanDyXhat: mdyx,
                                                          dBias: ws.dBias[w].pointer, rows: n * v, channels: c)
                                plan.convolveBackward(dx: dx.map { $0 + first * inElements }, dKernel: ws.dKernel[w].pointer,
                                                      dOut: da, x: input + first * inElements, samples: n,
                                                      scale: scale, shift: shift, kernel: kernel,
                                                      col: ws.col[w].pointer, dcol: ws.dcol[w].pointer)
                            }
                        }
                    }
                }
            }
            // Worker partial sums into the gradient buffer, in worker order (pieces of the kernel in parallel).
            let gk = grad + slots.kernel.offset, gb = grad + slots.bias.offset
            let pieces = max(1, min(4 * workers, kernelCount / 4096))
            ParallelWorkers.run(workers: workers, items: pieces) { _, piece in
                let range = (piece * kernelCount / pieces)..<((piece + 1) * kernelCount / pieces)
                for w in 0..<workers {
                    let wk = ws.dKernel[w].pointer
                    for i in range { gk[i] += wk[i] }
                }
            }
            for w in 0..<workers {
                let wb = ws.dBias[w].pointer
                for i in 0..<c { gb[i] += wb[i] }
            }
            swap(&dY, &dPrevious)
        }

        if let inputGradient {
            let count = b * a.inputVoxels
            if ws.hasNoise {
                inputGradient.update(repeating: 0, count: count)
                GaussianDropout.backward(dx: inputGradient, dy: ws.inputGradient.pointer, noise: ws.noise.pointer,
                                         count: count)
            } else {
                inputGradient.update(from: ws.inputGradient.pointer, count: count)
            }
        }
    }

    /// In place over dy (rows, C), z the BatchNorm input (= ELU output):
    /// da = gamma / sqrt(var + eps) * (dy - mean(dy) - x^ mean(dy x^)) * elu'(z); dBias (C) += sum of da.
    static func batchNormELUBackward(da: UnsafeMutablePointer<Float>, z: UnsafePointer<Float>,
                                     gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                     inverseStd: UnsafePointer<Float>, meanDy: UnsafePointer<Float>,
                                     meanDyXhat: UnsafePointer<Float>, dBias: UnsafeMutablePointer<Float>,
                                     rows: Int, channels c: Int) {
        for r in 0..<rows {
            let g = da + r * c, zr = z + r * c
            for ch in 0..<c {
                let xhat = (zr[ch] - mean[ch]) * inverseStd[ch]
                let dz = gamma[ch] * inverseStd[ch] * (g[ch] - meanDy[ch] - xhat * meanDyXhat[ch])
                let d = dz * ELU.derivative(output: zr[ch])
                g[ch] = d
                dBias[ch] += d
            }
        }
    }
}
