import DiscaCore
import DiscaIO
import Foundation

/// Per-sample outputs of one iteration, held as each rank's block of rows (`comm.rows(of: count)`).
public struct LocalOutputs: Sendable {
    public var count: Int                  // N, global
    public var rows: Range<Int>            // this rank's rows
    public var features: [Float]           // (rows.count, featureSize)
    public var featureSize: Int
    public var featuresPCA: [Float]        // (rows.count, pcaSize)
    public var pcaSize: Int
    public var labels: [Int32]             // (rows.count)
    public var posterior: [Float]          // (rows.count, K)
    public var classes: Int

    public init(count: Int, rows: Range<Int>, features: [Float], featureSize: Int, featuresPCA: [Float], pcaSize: Int,
                labels: [Int32], posterior: [Float], classes: Int) {
        self.count = count; self.rows = rows; self.features = features; self.featureSize = featureSize
        self.featuresPCA = featuresPCA; self.pcaSize = pcaSize; self.labels = labels; self.posterior = posterior
        self.classes = classes
    }
}

/// Writes `result.h5` (or the output of `disca predict`) in parallel: every rank writes its rows; the file is
/// written under a temporary name and renamed into place when whole, so a reader never sees half a result.
public func writeResultFile(_ path: String, outputs o: LocalOutputs, attributes: [(String, HDF5AttributeValue)],
                            includeFeatures: Bool = true, comm: Communicator,
                            extra: ((HDF5File) throws -> Void)? = nil) throws {
    let tmp = path + ".tmp"
    let f = try HDF5File.create(tmp, comm: comm)
    try f.createDataset("/labels", type: .int32, shape: [o.count], chunk: [min(o.count, 65536)])
    try f.writeRows("/labels", rows: o.rows, data: o.labels)
    if includeFeatures {
        try f.createDataset("/features", type: .float32, shape: [o.count, o.featureSize],
                            chunk: [min(o.count, max(1, 65536 / max(o.featureSize, 1))), o.featureSize])
        try f.writeRows("/features", rows: o.rows, data: o.features)
    }
    if o.pcaSize > 0 {
        try f.createDataset("/features_pca", type: .float32, shape: [o.count, o.pcaSize],
                            chunk: [min(o.count, 4096), o.pcaSize])
        try f.writeRows("/features_pca", rows: o.rows, data: o.featuresPCA)
    }
    if o.classes > 0 {
        try f.createDataset("/posterior", type: .float32, shape: [o.count, o.classes],
                            chunk: [min(o.count, 4096), o.classes])
        try f.writeRows("/posterior", rows: o.rows, data: o.posterior)
    }
    try extra?(f)
    for (name, value) in attributes { try f.setAttribute(name, value) }
    try f.close()
    try comm.barrier()
    try comm.collectively {
        if comm.rank == 0 {
            try syncFile(tmp)
            try renameFile(tmp, to: path)
        }
    }
}
