import DiscaCore

/// The classification head: Dense (features F -> classes K) + softmax, trained with the categorical hinge loss on
/// soft targets. It has its own flat parameters [kernel (F, K) | bias (K)], gradients and Nadam state, so it can be
/// replaced when K changes and fitted alone on fixed features before the whole network trains again.
public final class ClassificationHead: @unchecked Sendable {
    public let inputs: Int
    public let classes: Int
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    public let optimizer: Nadam
    public let kernel: TensorSlot   // "head/kernel" (F, K)
    public let bias: TensorSlot     // "head/bias" (K)

    /// A fresh head: orthogonal kernel keyed by (seed, .headInit, generation), zero bias, fresh optimizer state.
    public init(inputs: Int, classes: Int, seed: UInt64, generation: Int = 0, epsilon: Float = 1e-8) throws {
        guard classes >= 1 else { throw DiscaError.badInput("a classification head needs at least one class") }
        self.inputs = inputs
        self.classes = classes
        var a = SlotAllocator()
        kernel = a.take("head/kernel", [inputs, classes])
        bias = a.take("head/bias", [classes])
        parameters = FloatBuffer(count: a.next)
        gradients = FloatBuffer(count: a.next)
        optimizer = Nadam(parameterCount: a.next, epsilon: epsilon)
        var stream = RandomStream(seed: seed, key: RandomKey(.headInit, iteration: generation, item: 0))
        try Initializers.orthogonal(parameters.view(kernel), rows: inputs, cols: classes, stream: &stream)
    }

    public var slots: [TensorSlot] { [kernel, bias] }

    /// probs (B, K) from features (B, F).
    public func probabilities(features: UnsafePointer<Float>, batch: Int) -> [Float] {
        var probs = [Float](repeating: 0, count: batch * classes)
        guard batch > 0 else { return probs }
        probs.withUnsafeMutableBufferPointer { p in
            Dense.forward(y: p.baseAddress!, x: features, kernel: parameters.pointer + kernel.offset,
                          bias: parameters.pointer + bias.offset, batch: batch, inputs: inputs, outputs: classes)
            SoftmaxHinge.softmax(probs: p.baseAddress!, logits: p.baseAddress!, batch: batch, classes: classes)
        }
        return probs
    }

    public func probabilities(features: [Float]) -> [Float] {
        features.withPointer { probabilities(features: $0, batch: features.count / inputs) }
    }

    /// Backward for a local batch whose forward gave `probs` (B, K): head gradients += this rank's part of
    /// d(mean loss over `batchTotal` samples); dFeatures (B, F) = d loss / d features when given.
    func backward(dFeatures: UnsafeMutablePointer<Float>?, features: UnsafePointer<Float>,
                  probs: UnsafePointer<Float>, targets: UnsafePointer<Float>, batch: Int, batchTotal: Int) {
        guard batch > 0 else { return }
        var dlogits = [Float](repeating: 0, count: batch * classes)
        dlogits.withUnsafeMutableBufferPointer { d in
            SoftmaxHinge.backward(dlogits: d.baseAddress!, probs: probs, targets: targets, batch: batch,
                                  classes: classes, batchTotal: batchTotal)
            Dense.backward(dx: dFeatures, dKernel: gradients.pointer + kernel.offset,
                           dBias: gradients.pointer + bias.offset, dy: d.baseAddress!, x: features,
                           kernel: parameters.pointer + kernel.offset, batch: batch, inputs: inputs,
                           outputs: classes)
        }
    }

    /// Forward and backward for a local batch: probs (B, K) and per-sample losses, with `backward` applied.
    func forwardBackward(features: UnsafePointer<Float>, targets: UnsafePointer<Float>, batch: Int, batchTotal: Int,
                         dFeatures: UnsafeMutablePointer<Float>?) -> (probs: [Float], losses: [Float]) {
        let probs = probabilities(features: features, batch: batch)
        let losses = probs.withPointer { p -> [Float] in
            backward(dFeatures: dFeatures, features: features, probs: p, targets: targets, batch: batch,
                     batchTotal: batchTotal)
            return SoftmaxHinge.losses(probs: p, targets: targets, batch: batch, classes: classes)
        }
        return (probs, losses)
    }

    /// One head-only step on fixed features (B, F) with targets (B, K), the batch split over `comm`: zeroes the head
    /// gradients, computes them, allreduces them and applies Nadam. Returns the mean loss over the global batch.
    @discardableResult
    public func trainStep(features: [Float], targets: [Float], learningRate: Float, comm: Communicator) throws -> Float {
        let batch = features.count / inputs
        precondition(features.count == batch * inputs && targets.count == batch * classes, "head batch shapes")
        let batchTotal = try comm.allreduce(Int64(batch), .sum)
        gradients.zero()
        let (_, losses) = features.withPointer { f in
            targets.withPointer { t in
                forwardBackward(features: f, targets: t, batch: batch,
                                batchTotal: Int(batchTotal), dFeatures: nil)
            }
        }
        try comm.allreduce(gradients.buffer, .sum)
        optimizer.step(parameters: parameters.pointer, gradients: gradients.pointer, learningRate: learningRate)
        let total = try comm.allreduce(Double(losses.reduce(0, +)), .sum)
        return Float(total / Double(batchTotal))
    }
}
