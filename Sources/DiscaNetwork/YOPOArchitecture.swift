import DiscaCore

/// The shape of a YOPO feature network (docs/algorithm.md section 2): `blocks` blocks of Conv3D 3x3x3 (valid) -> ELU ->
/// BatchNorm, block l having `firstWidth + widthStep * (l - 1)` channels; a global max-pool tap after every block;
/// the taps concatenated, batch-normalized and mapped by a Dense layer to `featureSize` features.
/// Input: cubes of `boxVoxels`^3 voxels, one channel. Paper: 10 blocks, widths 64 step 16, 1024 features, box 24.
public struct YOPOArchitecture: Sendable, Equatable, Codable, CustomStringConvertible {
    public var blocks: Int
    public var firstWidth: Int
    public var widthStep: Int
    public var featureSize: Int
    public var boxVoxels: Int

    public init(blocks: Int, firstWidth: Int, widthStep: Int, featureSize: Int, boxVoxels: Int) {
        self.blocks = blocks
        self.firstWidth = firstWidth
        self.widthStep = widthStep
        self.featureSize = featureSize
        self.boxVoxels = boxVoxels
    }

    /// The publication's network: 10 blocks, 64, 80, ..., 208 channels (1360 taps), 1024 features, 24^3 boxes.
    public static let paper = YOPOArchitecture(blocks: 10, firstWidth: 64, widthStep: 16, featureSize: 1024,
                                               boxVoxels: 24)

    /// Checks that the network can be built; the message names the configuration keys involved.
    public func validate() throws {
        guard blocks >= 1 else { throw DiscaError.badInput("network.blocks must be at least 1 (got \(blocks))") }
        guard boxVoxels - 2 * blocks >= 1 else {
            throw DiscaError.badInput("network.blocks = \(blocks) needs a box of at least \(2 * blocks + 1) voxels " +
                                      "(box - 2 * blocks >= 1), but the box is \(boxVoxels) voxels")
        }
        guard firstWidth >= 1 else { throw DiscaError.badInput("network.first_width must be at least 1 (got \(firstWidth))") }
        guard widths.allSatisfy({ $0 >= 1 }) else {
            throw DiscaError.badInput("network.width_step = \(widthStep) with network.first_width = \(firstWidth) " +
                                      "gives a block with no channels")
        }
        guard featureSize >= 1 else { throw DiscaError.badInput("network.feature_size must be at least 1 (got \(featureSize))") }
    }

    /// Output channels of every block.
    public var widths: [Int] { (0..<blocks).map { firstWidth + widthStep * $0 } }

    /// Input channels of block l (0-based).
    public func inputChannels(ofBlock l: Int) -> Int { l == 0 ? 1 : firstWidth + widthStep * (l - 1) }

    /// Edge length of the input of block l (0-based); its output edge is `inputEdge(l) - 2`.
    public func inputEdge(ofBlock l: Int) -> Int { boxVoxels - 2 * l }
    public func outputEdge(ofBlock l: Int) -> Int { boxVoxels - 2 * (l + 1) }

    /// Number of concatenated taps (sum of the widths; 1360 for the paper).
    public var tapCount: Int { widths.reduce(0, +) }

    /// First tap index of block l in the concatenation.
    public func tapOffset(ofBlock l: Int) -> Int { widths.prefix(l).reduce(0, +) }

    /// Voxels in one input cube.
    public var inputVoxels: Int { boxVoxels * boxVoxels * boxVoxels }

    /// Multiply-adds times two of one forward pass of one subtomogram through the feature network (convolutions and
    /// the Dense layer; element-wise work not counted). About 13.4e9 for the paper network.
    public var forwardFLOPsPerSample: Double {
        var total = 0.0
        for l in 0..<blocks {
            let e = Double(outputEdge(ofBlock: l))
            total += 2 * e * e * e * 27 * Double(inputChannels(ofBlock: l)) * Double(widths[l])
        }
        return total + 2 * Double(tapCount) * Double(featureSize)
    }

    public var description: String {
        "YOPO(blocks: \(blocks), widths: \(firstWidth)+\(widthStep)l, taps: \(tapCount), features: \(featureSize), box: \(boxVoxels))"
    }
}
