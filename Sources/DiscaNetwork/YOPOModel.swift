import DiscaCore
import DiscaNumerics

/// The YOPO network of DISCA (docs/algorithm.md sections 2-3): the feature network plus a replaceable classification head.
///
/// Storage, llm.c style: ONE flat parameter buffer, ONE flat gradient buffer of the same layout and ONE flat Nadam
/// state for the feature network (`layout` gives the typed views), the BatchNorm moving statistics in a separate flat
/// buffer, and the head's own parameters, gradients and optimizer state (`head`). Activations are channels-last
/// (B, D, H, W, C), kernels (3, 3, 3, Cin, Cout) and Dense kernels (In, Out), exactly as Keras stores them.
///
/// Distributed training: `trainStep` takes the communicator; the BatchNorm batch statistics span the global batch
/// (every rank's rows), the loss is the mean over the global batch, and each rank's gradient buffers hold its share;
/// `allreduceGradients` completes them (one call per flat buffer) before `applyUpdate`.
public final class YOPOModel: @unchecked Sendable {
    public let architecture: YOPOArchitecture
    public let layout: YOPOLayout
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    /// BatchNorm moving means and variances (layout.statistics).
    public let statistics: FloatBuffer
    public let optimizer: Nadam
    public private(set) var head: ClassificationHead
    /// Gaussian dropout rate on the input in training (0.5 in the paper; 0 switches it off).
    public var dropoutRate: Float = 0.5
    /// Threads for the per-sample work (each calls single-threaded sgemm). Defaults to OpenBLAS' thread count.
    public var threads: Int
    /// Samples per worker work item in feature extraction. With `.planar` lowering every sample runs alone anyway;
    /// one sample at a time keeps its activations in cache from block to block. (`.full` lowering can batch the
    /// small deep blocks of several samples into one sgemm when this is larger.)
    let inferenceGroup = 1
    var plans: [BlockPlan]
    public var loweringPolicy: LoweringPolicy {
        didSet { plans = Self.makePlans(architecture, loweringPolicy) }
    }
    let training = TrainingWorkspace()

    /// A freshly initialised network: orthogonal kernels (keyed by seed), zero biases, BatchNorm gamma 1, beta 0,
    /// moving mean 0 and variance 1, and a head for `classes` classes.
    public convenience init(architecture: YOPOArchitecture, classes: Int, seed: UInt64, epsilon: Float = 1e-8,
                            threads: Int? = nil) throws {
        try self.init(architecture: architecture, classes: classes, initialSeed: seed, epsilon: epsilon, threads: threads)
    }

    /// With `initialSeed` nil the buffers stay zero (for loading a stored model).
    public init(architecture: YOPOArchitecture, classes: Int, initialSeed: UInt64?, epsilon: Float, threads: Int?) throws {
        try architecture.validate()
        self.architecture = architecture
        layout = YOPOLayout(architecture)
        parameters = FloatBuffer(count: layout.parameterCount)
        gradients = FloatBuffer(count: layout.parameterCount)
        statistics = FloatBuffer(count: layout.statisticsCount)
        optimizer = Nadam(parameterCount: layout.parameterCount, epsilon: epsilon)
        head = try ClassificationHead(inputs: architecture.featureSize, classes: classes, seed: initialSeed ?? 0,
                                      epsilon: epsilon)
        self.threads = max(1, threads ?? BLAS.threads)
        loweringPolicy = LoweringPolicy()
        plans = Self.makePlans(architecture, loweringPolicy)
        if let initialSeed { try initialize(seed: initialSeed) }
    }

    static func makePlans(_ a: YOPOArchitecture, _ p: LoweringPolicy) -> [BlockPlan] {
        (0..<a.blocks).map { BlockPlan.make(architecture: a, block: $0, policy: p) }
    }

    private func initialize(seed: UInt64) throws {
        parameters.zero()
        for (l, block) in layout.blocks.enumerated() {
            var stream = RandomStream(seed: seed, key: RandomKey(.networkInit, iteration: 0, item: l))
            try Initializers.orthogonal(parameters.view(block.kernel), rows: 27 * architecture.inputChannels(ofBlock: l),
                                        cols: architecture.widths[l], stream: &stream)
            parameters.view(block.gamma).update(repeating: 1)
        }
        parameters.view(layout.tapGamma).update(repeating: 1)
        var stream = RandomStream(seed: seed, key: RandomKey(.networkInit, iteration: 0, item: architecture.blocks))
        try Initializers.orthogonal(parameters.view(layout.denseKernel), rows: architecture.tapCount,
                                    cols: architecture.featureSize, stream: &stream)
        statistics.zero()
        for block in layout.blocks { statistics.view(block.movingVariance).update(repeating: 1) }
        statistics.view(layout.tapMovingVariance).update(repeating: 1)
    }

    /// Replaces the head by a fresh one for `classes` classes (orthogonal init keyed by seed and generation, new
    /// optimizer state); the feature network is kept.
    public func replaceHead(classes: Int, seed: UInt64, generation: Int) throws {
        head = try ClassificationHead(inputs: architecture.featureSize, classes: classes, seed: seed,
                                      generation: generation, epsilon: optimizer.epsilon)
    }

    /// Installs a head (e.g. one loaded from a file).
    public func setHead(_ newHead: ClassificationHead) throws {
        guard newHead.inputs == architecture.featureSize else {
            throw DiscaError.badInput("head expects \(newHead.inputs) features, the network makes \(architecture.featureSize)")
        }
        head = newHead
    }

    /// Zeroes the gradients of the feature network and of the head.
    public func zeroGradients() {
        gradients.zero()
        head.gradients.zero()
    }

    /// Sums the gradient buffers over all ranks (one allreduce per flat buffer).
    public func allreduceGradients(comm: Communicator) throws {
        try comm.allreduce(gradients.buffer, .sum)
        try comm.allreduce(head.gradients.buffer, .sum)
    }

    /// One Nadam step of the feature network and of the head with their (already allreduced) gradients.
    public func applyUpdate(learningRate: Float) {
        optimizer.step(parameters: parameters.pointer, gradients: gradients.pointer, learningRate: learningRate,
                       workers: threads)
        head.optimizer.step(parameters: head.parameters.pointer, gradients: head.gradients.pointer,
                            learningRate: learningRate)
    }

    /// Bytes held by the training workspace (activations kept for the backward pass and scratch).
    public var workspaceBytes: Int { training.bytes }

    /// Frees the training workspace (it is rebuilt on the next training step).
    public func releaseWorkspace() { training.release() }
}
