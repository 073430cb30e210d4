/// Where every tensor of the YOPO feature network lives in the model's flat buffers.
///
/// Parameters (one flat buffer, in Keras' trainable order): for each block l = 1...L `convl/kernel`
/// (3, 3, 3, Cin, Cout), `convl/bias` (Cout), `bnl/gamma` (Cout), `bnl/beta` (Cout); then `bn_taps/gamma` (T),
/// `bn_taps/beta` (T), `fc2/kernel` (T, F), `fc2/bias` (F). The gradient buffer has the same layout.
/// Statistics (a second flat buffer, not trained): `bnl/moving_mean`, `bnl/moving_variance` for every block, then
/// `bn_taps/moving_mean`, `bn_taps/moving_variance`.
public struct YOPOLayout: Sendable, Equatable {
    public struct Block: Sendable, Equatable {
        public let kernel: TensorSlot      // (3, 3, 3, Cin, Cout) = (27 * Cin, Cout) row-major
        public let bias: TensorSlot        // (Cout)
        public let gamma: TensorSlot       // (Cout)
        public let beta: TensorSlot        // (Cout)
        public let movingMean: TensorSlot  // (Cout), in the statistics buffer
        public let movingVariance: TensorSlot
    }

    public let blocks: [Block]
    public let tapGamma: TensorSlot        // (T)
    public let tapBeta: TensorSlot         // (T)
    public let denseKernel: TensorSlot     // (T, F)
    public let denseBias: TensorSlot       // (F)
    public let tapMovingMean: TensorSlot   // (T), in the statistics buffer
    public let tapMovingVariance: TensorSlot
    /// Every parameter tensor in buffer order.
    public let parameters: [TensorSlot]
    /// Every statistics tensor in buffer order.
    public let statistics: [TensorSlot]
    public var parameterCount: Int { parameters.last!.end }
    public var statisticsCount: Int { statistics.last!.end }

    public init(_ a: YOPOArchitecture) {
        var p = SlotAllocator(), s = SlotAllocator()
        var blocks: [Block] = []
        for l in 0..<a.blocks {
            let cin = a.inputChannels(ofBlock: l), cout = a.widths[l]
            blocks.append(Block(kernel: p.take("conv\(l + 1)/kernel", [3, 3, 3, cin, cout]),
                                bias: p.take("conv\(l + 1)/bias", [cout]),
                                gamma: p.take("bn\(l + 1)/gamma", [cout]),
                                beta: p.take("bn\(l + 1)/beta", [cout]),
                                movingMean: s.take("bn\(l + 1)/moving_mean", [cout]),
                                movingVariance: s.take("bn\(l + 1)/moving_variance", [cout])))
        }
        self.blocks = blocks
        tapGamma = p.take("bn_taps/gamma", [a.tapCount])
        tapBeta = p.take("bn_taps/beta", [a.tapCount])
        denseKernel = p.take("fc2/kernel", [a.tapCount, a.featureSize])
        denseBias = p.take("fc2/bias", [a.featureSize])
        tapMovingMean = s.take("bn_taps/moving_mean", [a.tapCount])
        tapMovingVariance = s.take("bn_taps/moving_variance", [a.tapCount])
        parameters = p.slots
        statistics = s.slots
    }

    /// The parameter or statistics slot with this Keras-style name.
    public func slot(named name: String) -> TensorSlot? {
        parameters.first { $0.name == name } ?? statistics.first { $0.name == name }
    }
}
