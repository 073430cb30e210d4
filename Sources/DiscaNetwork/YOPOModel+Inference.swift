import DiscaCore

extension YOPOModel {
    /// Features (N, F) of the subtomograms x (N, D, D, D) in inference mode: no dropout, BatchNorm with the moving
    /// statistics. Every sample is independent; groups of `inferenceGroup` samples run on the worker threads, so the
    /// memory used is bounded whatever N is (the caller passes as many samples as it holds, e.g. one read batch).
    public func extractFeatures(_ x: UnsafePointer<Float>, count n: Int) -> [Float] {
        ParallelWorkers.withSingleThreadedBLAS(workers: threads) {
            let taps = inferenceTaps(x, count: n)
            return featuresFromTaps(taps, count: n)
        }
    }

    public func extractFeatures(_ x: [Float]) throws -> [Float] {
        guard x.count % architecture.inputVoxels == 0 else {
            throw DiscaError.internalError("\(x.count) values are not whole \(architecture.boxVoxels)^3 subtomograms")
        }
        return x.withPointer { extractFeatures($0, count: x.count / architecture.inputVoxels) }
    }

    /// Class probabilities (N, K) of the current head for subtomograms x (N, D, D, D), in inference mode.
    public func predictProbabilities(_ x: [Float]) throws -> [Float] {
        head.probabilities(features: try extractFeatures(x))
    }

    /// The per-block BatchNorm of inference mode as affine maps (scale, shift), one per block.
    func inferenceAffines() -> [(scale: [Float], shift: [Float])] {
        layout.blocks.enumerated().map { l, s in
            BatchNorm.inferenceAffine(gamma: parameters.pointer + s.gamma.offset, beta: parameters.pointer + s.beta.offset,
                                      movingMean: statistics.pointer + s.movingMean.offset,
                                      movingVariance: statistics.pointer + s.movingVariance.offset,
                                      channels: architecture.widths[l])
        }
    }

    /// Inference-mode taps (N, T): per sample, the blocks run one after the other in a worker's ping-pong buffers;
    /// the previous block's BatchNorm is applied while gathering the columns, so no BatchNorm output is stored.
    func inferenceTaps(_ x: UnsafePointer<Float>, count n: Int) -> [Float] {
        let a = architecture, tapCount = a.tapCount
        var taps = [Float](repeating: 0, count: max(n, 1) * tapCount)
        guard n > 0 else { return [] }
        // Groups of up to `inferenceGroup` samples, small enough that every worker gets one.
        let group = max(1, min(inferenceGroup, (n + threads - 1) / max(threads, 1)))
        let groups = (n + group - 1) / group
        let workers = max(1, min(threads, groups))
        let affines = inferenceAffines()
        // Affine maps in one flat array: block l's scale at affineOffsets[l], its shift right after.
        var flatAffine: [Float] = []
        var affineOffsets: [Int] = []
        for (s, t) in affines { affineOffsets.append(flatAffine.count); flatAffine += s + t }
        let largestMap = plans.map(\.outElements).max()!
        let largestColumns = plans.map {
            $0.planeRing ? $0.columnElements
                : $0.conv.columnElements(samples: $0.conv.lowering == .full ? min($0.samplesPerChunk, group) : 1)
        }.max()!
        let largestChannels = a.widths.max()!
        let scratch = (0..<workers).map { _ in InferenceScratch(map: group * largestMap, columns: largestColumns,
                                                               extremes: group * largestChannels) }
        let plans = self.plans, param = UnsafePointer(parameters.pointer), layout = self.layout
        let tapOffsets = (0..<a.blocks).map { a.tapOffset(ofBlock: $0) }
        taps.withUnsafeMutableBufferPointer { tapBuffer in
            let tapOut = tapBuffer.baseAddress!
            flatAffine.withUnsafeBufferPointer { aff in
                let affine = aff.baseAddress!
                ParallelWorkers.run(workers: workers, items: groups) { w, item in
                    let first = item * group, m = min(group, n - first)
                    let s = scratch[w]
                    var previous = x + first * a.inputVoxels
                    for (l, plan) in plans.enumerated() {
                        let c = plan.channels
                        let out = l % 2 == 0 ? s.ping.pointer : s.pong.pointer
                        let scale: UnsafePointer<Float>? = l == 0 ? nil : affine + affineOffsets[l - 1]
                        let shift: UnsafePointer<Float>? = l == 0 ? nil : affine + affineOffsets[l - 1] + plans[l - 1].channels
                        let per = plan.conv.lowering == .full ? min(plan.samplesPerChunk, group) : 1
                        for sub in stride(from: 0, to: m, by: per) {
                            let epilogue = EpilogueTarget(epilogue: BlockEpilogue(voxels: plan.outVoxels, channels: c),
                                                          bias: param + layout.blocks[l].bias.offset,
                                                          maxValue: s.maxValue.pointer + sub * c,
                                                          minValue: s.minValue.pointer + sub * c)
                            plan.convolve(out: out + sub * plan.outElements, x: previous + sub * plan.geometry.inElements,
                                          samples: min(per, m - sub), scale: scale, shift: shift,
                                          kernel: param + layout.blocks[l].kernel.offset, col: s.col.pointer,
                                          epilogue: epilogue)
                        }
                        let sl = affine + affineOffsets[l], tl = sl + c
                        for b in 0..<m {
                            for ch in 0..<c {
                                let extreme = sl[ch] >= 0 ? s.maxValue.pointer[b * c + ch] : s.minValue.pointer[b * c + ch]
                                tapOut[(first + b) * tapCount + tapOffsets[l] + ch] = extreme * sl[ch] + tl[ch]
                            }
                        }
                        previous = UnsafePointer(out)
                    }
                }
            }
        }
        return Array(taps.prefix(n * tapCount))
    }

    /// Features (N, F) from taps (N, T): the tap BatchNorm with moving statistics, then the Dense layer.
    func featuresFromTaps(_ taps: [Float], count n: Int) -> [Float] {
        let a = architecture
        guard n > 0 else { return [] }
        var normalized = taps
        var features = [Float](repeating: 0, count: n * a.featureSize)
        let (s, t) = BatchNorm.inferenceAffine(gamma: parameters.pointer + layout.tapGamma.offset,
                                               beta: parameters.pointer + layout.tapBeta.offset,
                                               movingMean: statistics.pointer + layout.tapMovingMean.offset,
                                               movingVariance: statistics.pointer + layout.tapMovingVariance.offset,
                                               channels: a.tapCount)
        normalized.withUnsafeMutableBufferPointer { nb in
            BatchNorm.applyAffine(y: nb.baseAddress!, x: nb.baseAddress!, scale: s, shift: t, rows: n, channels: a.tapCount)
            features.withUnsafeMutableBufferPointer { f in
                Dense.forward(y: f.baseAddress!, x: nb.baseAddress!, kernel: parameters.pointer + layout.denseKernel.offset,
                              bias: parameters.pointer + layout.denseBias.offset, batch: n, inputs: a.tapCount,
                              outputs: a.featureSize)
            }
        }
        return features
    }
}

/// One inference worker's buffers: two ping-pong activation maps, im2col columns and per-channel extremes.
final class InferenceScratch: @unchecked Sendable {
    let ping = Scratch<Float>(0), pong = Scratch<Float>(0), col = Scratch<Float>(0)
    let maxValue = Scratch<Float>(0), minValue = Scratch<Float>(0)

    init(map: Int, columns: Int, extremes: Int) {
        ping.reserve(map); pong.reserve(map); col.reserve(columns)
        maxValue.reserve(extremes); minValue.reserve(extremes)
    }
}
