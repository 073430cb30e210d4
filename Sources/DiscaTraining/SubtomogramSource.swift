import DiscaCore
import DiscaIO
import Foundation

/// The input set, validated and read in blocks of rows, never whole: `/subtomograms` (N, D, D, D) float32.
/// Every rank opens the file (parallel HDF5 when there are several ranks) and reads only the rows it needs.
public final class SubtomogramSource {
    public let path: String
    public let dataset: String
    public let count: Int
    public let boxVoxels: Int
    public var voxelsPerSubtomogram: Int { boxVoxels * boxVoxels * boxVoxels }
    let file: HDF5File

    /// Opens and validates the input on every rank; failures are agreed (every rank throws the same one-line error).
    /// `minimumBox` is the smallest D the configured network accepts.
    public init(path: String, dataset: String, comm: Communicator, minimumBox: Int, blocks: Int) throws {
        self.path = path
        self.dataset = dataset
        let f = try HDF5File.open(path, comm: comm)
        file = f
        let shape = try comm.collectively {
            try f.requireDataset(dataset, rank: 4, floatingPoint: true, meaning: "(N, D, D, D)")
        }
        try comm.collectively {
            guard shape[1] == shape[2] && shape[2] == shape[3] else {
                throw DiscaError.badInput("\(path): dataset \(dataset) has boxes \(shape[1])x\(shape[2])x\(shape[3]); subtomograms must be cubic (N, D, D, D)")
            }
            guard shape[0] >= comm.size else {
                throw DiscaError.badInput("\(path): dataset \(dataset) has \(shape[0]) subtomograms, fewer than the \(comm.size) ranks")
            }
            guard shape[1] >= minimumBox else {
                throw DiscaError.badInput("\(path): box \(shape[1]) is too small for network.blocks = \(blocks) (each block shrinks the box by 2; needs D >= \(minimumBox))")
            }
        }
        count = shape[0]
        boxVoxels = shape[1]
    }

    /// Reads rows `rows` (contiguous) into `out` (rows.count * D^3 values).
    public func read(rows: Range<Int>, into out: UnsafeMutableBufferPointer<Float>) throws {
        try file.readRows(dataset, rows: rows, into: out)
    }

    /// Streams `rows` in blocks of at most `blockRows` subtomograms: `body(block, pointer)` gets each block's rows
    /// and their (block.count, D, D, D) values, valid during the call only.
    public func forEachBlock(rows: Range<Int>, blockRows: Int,
                             _ body: (Range<Int>, UnsafePointer<Float>) throws -> Void) throws {
        let v = voxelsPerSubtomogram
        var buffer = [Float](repeating: 0, count: max(1, min(blockRows, rows.count)) * v)
        var start = rows.lowerBound
        while start < rows.upperBound {
            let end = min(start + blockRows, rows.upperBound)
            try buffer.withUnsafeMutableBufferPointer { b in
                try read(rows: start..<end, into: UnsafeMutableBufferPointer(rebasing: b[0..<((end - start) * v)]))
                try body(start..<end, UnsafePointer(b.baseAddress!))
            }
            start = end
        }
    }

    /// Checks this rank's rows for NaN or Inf, streaming in blocks; the error names the first bad row (agreed).
    public func validateFinite(comm: Communicator, blockRows: Int) throws {
        let mine = comm.rows(of: count)
        var bad: Int? = nil
        var readError: Error? = nil
        let v = voxelsPerSubtomogram
        do {
            try forEachBlock(rows: mine, blockRows: blockRows) { block, x in
                guard bad == nil else { return }
                for r in 0..<block.count where bad == nil {
                    for k in (r * v)..<((r + 1) * v) where !x[k].isFinite { bad = block.lowerBound + r; break }
                }
            }
        } catch { readError = error }
        try comm.agree(readError)
        let firstBad = try comm.allreduce(Int64(-(bad ?? Int.max / 2)), .max)
        if firstBad != Int64(-(Int.max / 2)) {
            throw CollectiveError(.badInput("\(path): dataset \(dataset) row \(-firstBad) contains NaN or Inf"))
        }
    }
}
