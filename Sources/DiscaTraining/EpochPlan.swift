import DiscaCore

/// The order of one training epoch: every subtomogram once as is and `rotatedCopies` times rotated, shuffled by a
/// permutation keyed by (seed, iteration, epoch), cut into global batches; each global batch is split across ranks
/// contiguously. The plan depends only on (seed, iteration, epoch, N, copies, batch size), never on the rank count, so any
/// number of ranks runs the same global batches (the union over ranks of step s is the same set of items).
public struct EpochPlan: Sendable {
    /// One training item: a subtomogram row and which copy (0 = as is, c >= 1 = c-th rotated copy).
    public struct Item: Sendable, Equatable {
        public let row: Int
        public let copy: Int
        /// A global index unique within the epoch, used to key the item's random streams (rotation, dropout).
        public let index: Int
    }

    public let count: Int
    public let copiesPerRow: Int
    public let batchSize: Int
    private let order: [Int32]

    public init(rows: Int, rotatedCopies: Int, batchSize: Int, seed: UInt64, iteration: Int, epoch: Int = 0) {
        count = rows
        copiesPerRow = 1 + rotatedCopies
        self.batchSize = batchSize
        var stream = RandomStream(seed: seed, key: RandomKey(.shuffle, iteration: iteration, epoch: epoch))
        order = stream.permutation(rows * copiesPerRow).map { Int32($0) }
    }

    public var itemCount: Int { order.count }
    public var steps: Int { (itemCount + batchSize - 1) / batchSize }

    /// Items of global batch `step` (in order).
    public func batch(_ step: Int) -> Range<Int> {
        let start = step * batchSize
        return start..<min(start + batchSize, itemCount)
    }

    /// This rank's part of global batch `step`.
    public func items(step: Int, rank: Int, ranks: Int) -> [Item] {
        let b = batch(step)
        let part = RowPartition(count: b.count, parts: ranks).range(of: rank)
        return part.map { k in
            let index = Int(order[b.lowerBound + k])
            return Item(row: index % count, copy: index / count, index: index)
        }
    }
}

/// Smoothed one-hot targets: y = (1 - alpha) * onehot + alpha / K.
public func smoothedTargets(labels: [Int32], classes k: Int, alpha: Double) -> [Float] {
    var y = [Float](repeating: Float(alpha / Double(k)), count: labels.count * k)
    for (i, l) in labels.enumerated() { y[i * k + Int(l)] += Float(1 - alpha) }
    return y
}

/// Gathers every rank's block of per-row labels into the global array on every rank (rows split by `rows(of:)`).
public func gatherLabels(_ local: [Int32], total: Int, comm: Communicator) throws -> [Int32] {
    var all = [Int64](repeating: 0, count: total)
    let mine = comm.rows(of: total)
    precondition(local.count == mine.count)
    for (k, r) in mine.enumerated() { all[r] = Int64(local[k]) }
    try comm.allreduce(&all, .sum)
    return all.map { Int32($0) }
}
