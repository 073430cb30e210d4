/// The sizes of one valid 3x3x3 convolution, stride 1, channels-last: input (Di, Hi, Wi, Cin) per sample,
/// output (Di - 2, Hi - 2, Wi - 2, Cout). Kernel (3, 3, 3, Cin, Cout), i.e. a (27 * Cin, Cout) row-major matrix.
public struct ConvGeometry: Sendable, Equatable {
    public let inD: Int, inH: Int, inW: Int
    public let cin: Int, cout: Int

    public init(inD: Int, inH: Int, inW: Int, cin: Int, cout: Int) {
        precondition(inD >= 3 && inH >= 3 && inW >= 3 && cin >= 1 && cout >= 1, "valid 3x3x3 convolution needs >= 3 voxels")
        self.inD = inD; self.inH = inH; self.inW = inW
        self.cin = cin; self.cout = cout
    }

    /// A cube of edge `edge`.
    public init(edge: Int, cin: Int, cout: Int) { self.init(inD: edge, inH: edge, inW: edge, cin: cin, cout: cout) }

    public var outD: Int { inD - 2 }
    public var outH: Int { inH - 2 }
    public var outW: Int { inW - 2 }
    /// Voxels of one input / output sample.
    public var inVoxels: Int { inD * inH * inW }
    public var outVoxels: Int { outD * outH * outW }
    public var inElements: Int { inVoxels * cin }
    public var outElements: Int { outVoxels * cout }
    public var kernelElements: Int { 27 * cin * cout }
    /// 2 * multiply-adds of one sample's forward pass.
    public var flopsPerSample: Double { 2 * Double(outVoxels) * Double(27 * cin) * Double(cout) }
}
