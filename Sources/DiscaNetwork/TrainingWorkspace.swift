/// Everything a training step keeps between its forward and backward passes, and the scratch its workers use.
/// Allocated for the largest batch seen so far and reused (it only grows). For the paper network and batch 64 the
/// stored ELU outputs dominate (about 0.83 GB), then the two gradient maps (2 x 0.17 GB).
final class TrainingWorkspace: @unchecked Sendable {
    // Per block l: the ELU output z (B, V_l, C_l) (the BatchNorm input; the BatchNorm output is never stored),
    // per sample and channel the max and min of z and their voxels, and the batch statistics.
    var z: [Scratch<Float>] = []
    var maxValue: [Scratch<Float>] = [], minValue: [Scratch<Float>] = []
    var maxIndex: [Scratch<Int32>] = [], minIndex: [Scratch<Int32>] = []
    var blockStatistics: [BatchStatistics] = []
    /// Per block: [scale (C) | shift (C)], the training-mode BatchNorm as an affine map.
    var affine: [Scratch<Float>] = []

    let input = Scratch<Float>(0)          // (B, D^3) input after dropout
    let noise = Scratch<Float>(0)          // (B, D^3) dropout noise
    let inputGradient = Scratch<Float>(0)  // (B, D^3) d loss / d (input after dropout)
    let gradientA = Scratch<Float>(0)      // (B, V_l, C_l) d loss / d (BatchNorm output), ping-pong
    let gradientB = Scratch<Float>(0)
    let taps = Scratch<Float>(0)           // (B, T)
    let tapsNormalized = Scratch<Float>(0) // (B, T)
    let dTaps = Scratch<Float>(0)          // (B, T)
    let features = Scratch<Float>(0)       // (B, F)
    let dFeatures = Scratch<Float>(0)      // (B, F)
    let targets = Scratch<Float>(0)        // (B, K)
    var probabilities: [Float] = []        // (B, K)
    var losses: [Float] = []               // (B)
    var tapStatistics: BatchStatistics?

    // Per worker scratch.
    var col: [Scratch<Float>] = [], dcol: [Scratch<Float>] = []
    var dKernel: [Scratch<Float>] = [], dBias: [Scratch<Float>] = []
    var sums: [Scratch<Double>] = []

    /// The forward pass these buffers hold: local batch, global batch, whether dropout noise was applied.
    var batch = 0
    var batchTotal = 0
    var hasNoise = false
    var ready = false

    func prepare(batch b: Int, architecture a: YOPOArchitecture, plans: [BlockPlan], workers: Int, classes: Int) {
        let bb = max(b, 1)
        if z.count != a.blocks {
            z = (0..<a.blocks).map { _ in Scratch<Float>(0) }
            maxValue = (0..<a.blocks).map { _ in Scratch<Float>(0) }
            minValue = (0..<a.blocks).map { _ in Scratch<Float>(0) }
            maxIndex = (0..<a.blocks).map { _ in Scratch<Int32>(0) }
            minIndex = (0..<a.blocks).map { _ in Scratch<Int32>(0) }
            affine = (0..<a.blocks).map { _ in Scratch<Float>(0) }
        }
        var largestMap = a.inputVoxels
        for (l, plan) in plans.enumerated() {
            z[l].reserve(bb * plan.outElements)
            for s in [maxValue[l], minValue[l]] { s.reserve(bb * plan.channels) }
            for s in [maxIndex[l], minIndex[l]] { s.reserve(bb * plan.channels) }
            affine[l].reserve(2 * plan.channels)
            largestMap = max(largestMap, plan.outElements)
        }
        for s in [input, noise, inputGradient] { s.reserve(bb * a.inputVoxels) }
        for s in [gradientA, gradientB] { s.reserve(bb * largestMap) }
        for s in [taps, tapsNormalized, dTaps] { s.reserve(bb * a.tapCount) }
        for s in [features, dFeatures] { s.reserve(bb * a.featureSize) }
        targets.reserve(bb * classes)
        while col.count < workers {
            col.append(Scratch(0)); dcol.append(Scratch(0))
            dKernel.append(Scratch(0)); dBias.append(Scratch(0)); sums.append(Scratch(0))
        }
        let columns = plans.map(\.columnElements).max() ?? 1
        let kernel = plans.map(\.geometry.kernelElements).max() ?? 1
        let channels = plans.map(\.channels).max() ?? 1
        for w in 0..<workers {
            col[w].reserve(columns); dcol[w].reserve(columns)
            dKernel[w].reserve(kernel); dBias[w].reserve(channels); sums[w].reserve(2 * channels)
        }
        batch = b
        ready = false
    }

    var bytes: Int {
        var total = 0
        for group in [z, maxValue, minValue, affine, col, dcol, dKernel, dBias] { total += group.reduce(0) { $0 + $1.bytes } }
        total += maxIndex.reduce(0) { $0 + $1.bytes } + minIndex.reduce(0) { $0 + $1.bytes }
        total += sums.reduce(0) { $0 + $1.bytes }
        for s in [input, noise, inputGradient, gradientA, gradientB, taps, tapsNormalized, dTaps, features, dFeatures,
                  targets] { total += s.bytes }
        return total
    }

    func release() {
        z = []; maxValue = []; minValue = []; maxIndex = []; minIndex = []; affine = []
        col = []; dcol = []; dKernel = []; dBias = []; sums = []
        for s in [input, noise, inputGradient, gradientA, gradientB, taps, tapsNormalized, dTaps, features, dFeatures,
                  targets] { s.shrink() }
        ready = false
    }
}
