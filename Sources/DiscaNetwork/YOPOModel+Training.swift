import DiscaCore

extension YOPOModel {
    /// One training step on this rank's part of a batch: zeroes the gradients, runs the forward pass in training mode
    /// (Gaussian dropout keyed by (seed, step, sampleIndices[b]); BatchNorm batch statistics over the global batch,
    /// moving statistics updated), the loss on the soft targets and the backward pass. Returns the mean loss over the
    /// global batch. The gradient buffers then hold this rank's share: call `allreduceGradients` and `applyUpdate`.
    ///
    /// - Parameters:
    ///   - inputs: (B, D, D, D) subtomograms, B = sampleIndices.count (may be 0 on some ranks).
    ///   - targets: (B, K) soft targets.
    ///   - sampleIndices: global index of every sample (keys the dropout noise).
    @discardableResult
    public func trainStep(inputs: UnsafePointer<Float>, targets: UnsafePointer<Float>, sampleIndices: [Int],
                          noiseKey: RandomKey, seed: UInt64, comm: Communicator) throws -> Float {
        try ParallelWorkers.withSingleThreadedBLAS(workers: threads) {
            zeroGradients()
            let loss = try forwardTraining(inputs: inputs, targets: targets, sampleIndices: sampleIndices, noiseKey: noiseKey,
                                           seed: seed, comm: comm, updateMovingStatistics: true)
            try backwardTraining(comm: comm)
            return loss
        }
    }

    @discardableResult
    public func trainStep(inputs: [Float], targets: [Float], sampleIndices: [Int], noiseKey: RandomKey, seed: UInt64,
                          comm: Communicator) throws -> Float {
        try checkBatch(inputs: inputs.count, targets: targets.count, batch: sampleIndices.count)
        return try inputs.withPointer { x in
            try targets.withPointer { t in
                try trainStep(inputs: x, targets: t, sampleIndices: sampleIndices, noiseKey: noiseKey, seed: seed, comm: comm)
            }
        }
    }

    func checkBatch(inputs: Int, targets: Int, batch: Int) throws {
        guard inputs == batch * architecture.inputVoxels, targets == batch * head.classes else {
            throw DiscaError.internalError("training batch of \(batch) samples needs \(batch * architecture.inputVoxels) " +
                                           "input and \(batch * head.classes) target values, got \(inputs) and \(targets)")
        }
    }

    /// The training-mode forward pass and the loss (mean over the global batch); keeps what the backward pass needs.
    func forwardTraining(inputs x: UnsafePointer<Float>, targets: UnsafePointer<Float>, sampleIndices: [Int],
                         noiseKey: RandomKey, seed: UInt64, comm: Communicator, updateMovingStatistics: Bool) throws -> Float {
        let a = architecture, ws = training, b = sampleIndices.count, k = head.classes
        let workers = max(1, threads)
        ws.prepare(batch: b, architecture: a, plans: plans, workers: workers, classes: k)
        ws.batchTotal = Int(try comm.allreduce(Int64(b), .sum))
        guard ws.batchTotal > 0 else { throw DiscaError.internalError("training step on an empty global batch") }
        ws.targets.pointer.update(from: targets, count: b * k)

        // Gaussian dropout on the input: (B, D^3)
        let v0 = a.inputVoxels
        ws.hasNoise = dropoutRate > 0
        if ws.hasNoise {
            GaussianDropout.noise(ws.noise.pointer, rate: dropoutRate, seed: seed, noiseKey: noiseKey,
                                  sampleIndices: sampleIndices, valuesPerSample: v0, workers: workers)
            GaussianDropout.forward(y: ws.input.pointer, x: x, noise: ws.noise.pointer, count: b * v0)
        } else {
            ws.input.pointer.update(from: x, count: b * v0)
        }

        // Blocks: conv (+ previous BatchNorm applied while gathering) -> bias + ELU -> moments -> BatchNorm -> taps
        ws.blockStatistics = []
        let taps = ws.taps.pointer, tapCount = a.tapCount
        for (l, plan) in plans.enumerated() {
            let c = plan.channels, v = plan.outVoxels
            let blockSlots = layout.blocks[l]
            let input = l == 0 ? UnsafePointer(ws.input.pointer) : UnsafePointer(ws.z[l - 1].pointer)
            let inElements = plan.geometry.inElements
            let scale: UnsafePointer<Float>? = l == 0 ? nil : UnsafePointer(ws.affine[l - 1].pointer)
            let shift: UnsafePointer<Float>? = l == 0 ? nil : UnsafePointer(ws.affine[l - 1].pointer + plans[l - 1].channels)
            let kernel = UnsafePointer(parameters.pointer + blockSlots.kernel.offset)
            let bias = UnsafePointer(parameters.pointer + blockSlots.bias.offset)
            let z = ws.z[l].pointer
            let epilogue = BlockEpilogue(voxels: v, channels: c)
            let chunks = plan.chunks(batch: b, workers: workers)
            for w in 0..<workers { ws.sums[w].pointer.update(repeating: 0, count: 2 * c) }
            ParallelWorkers.run(workers: workers, items: chunks.count) { w, item in
                let (first, n) = chunks[item]
                let target = EpilogueTarget(epilogue: epilogue, bias: bias, maxValue: ws.maxValue[l].pointer + first * c,
                                            minValue: ws.minValue[l].pointer + first * c,
                                            maxIndex: ws.maxIndex[l].pointer + first * c,
                                            minIndex: ws.minIndex[l].pointer + first * c, sums: ws.sums[w].pointer)
                plan.convolve(out: z + first * v * c, x: input + first * inElements, samples: n, scale: scale,
                              shift: shift, kernel: kernel, col: ws.col[w].pointer, epilogue: target)
            }
            let moments = Self.sumWorkers(ws.sums, workers: workers, count: 2 * c)
            let stats = try BatchNorm.statistics(localSums: moments, localCount: b * v, channels: c, comm: comm)
            if updateMovingStatistics {
                BatchNorm.updateMoving(mean: statistics.pointer + blockSlots.movingMean.offset,
                                       variance: statistics.pointer + blockSlots.movingVariance.offset, with: stats)
            }
            ws.blockStatistics.append(stats)
            let (s, t) = BatchNorm.trainingAffine(gamma: parameters.pointer + blockSlots.gamma.offset,
                                                  beta: parameters.pointer + blockSlots.beta.offset, statistics: stats)
            ws.affine[l].pointer.update(from: s, count: c)
            (ws.affine[l].pointer + c).update(from: t, count: c)
            Self.writeTaps(taps, tapCount: tapCount, offset: a.tapOffset(ofBlock: l), batch: b, channels: c,
                           scale: s, shift: t, maxValue: ws.maxValue[l].pointer, minValue: ws.minValue[l].pointer)
        }

        // Taps -> BatchNorm -> Dense -> head
        ws.tapStatistics = try BatchNorm.forwardTraining(
            y: ws.tapsNormalized.pointer, x: taps, gamma: parameters.pointer + layout.tapGamma.offset,
            beta: parameters.pointer + layout.tapBeta.offset,
            movingMean: updateMovingStatistics ? statistics.pointer + layout.tapMovingMean.offset : nil,
            movingVariance: updateMovingStatistics ? statistics.pointer + layout.tapMovingVariance.offset : nil,
            rows: b, channels: tapCount, comm: comm)
        Dense.forward(y: ws.features.pointer, x: ws.tapsNormalized.pointer,
                      kernel: parameters.pointer + layout.denseKernel.offset,
                      bias: parameters.pointer + layout.denseBias.offset, batch: b, inputs: tapCount,
                      outputs: a.featureSize)
        ws.probabilities = head.probabilities(features: ws.features.pointer, batch: b)
        ws.losses = ws.probabilities.withPointer { p in
            SoftmaxHinge.losses(probs: p, targets: ws.targets.pointer, batch: b, classes: k)
        }
        ws.ready = true
        let total = try comm.allreduce(ws.losses.reduce(0.0) { $0 + Double($1) }, .sum)
        return Float(total / Double(ws.batchTotal))
    }

    /// Sums the first `count` values of the workers' Double scratch in worker order.
    static func sumWorkers(_ s: [Scratch<Double>], workers: Int, count: Int) -> [Double] {
        var total = [Double](repeating: 0, count: count)
        for w in 0..<workers { for i in 0..<count { total[i] += s[w].pointer[i] } }
        return total
    }

    /// taps[b, offset + c] = max over the volume of (z * scale + shift) = scale * (max or min of z) + shift.
    static func writeTaps(_ taps: UnsafeMutablePointer<Float>, tapCount: Int, offset: Int, batch: Int, channels c: Int,
                          scale: [Float], shift: [Float], maxValue: UnsafePointer<Float>,
                          minValue: UnsafePointer<Float>) {
        for b in 0..<batch {
            for ch in 0..<c {
                let extreme = scale[ch] >= 0 ? maxValue[b * c + ch] : minValue[b * c + ch]
                taps[b * tapCount + offset + ch] = extreme * scale[ch] + shift[ch]
            }
        }
    }
}

extension Array where Element == Float {
    /// A pointer to the elements, valid even for an empty array (then it points at a dummy value).
    func withPointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        if isEmpty { var dummy: Float = 0; return try body(&dummy) }
        return try withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
