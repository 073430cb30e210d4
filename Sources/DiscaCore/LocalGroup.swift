import Foundation

/// Several ranks as threads of one process, for testing sharded logic without `mpirun`.
/// `LocalGroup.run(size:)` starts one thread per rank and hands each its communicator.
/// Reductions combine contributions in rank order, so results are deterministic.
public final class LocalGroup: @unchecked Sendable {
    public let size: Int
    private let condition = NSCondition()
    private var slots: [[Double]]
    private var arrived = 0
    private var generation = 0
    private var result: [Double] = []

    init(size: Int) {
        self.size = size
        self.slots = Array(repeating: [], count: size)
    }

    /// Runs `body(communicator)` on `size` threads and returns their results in rank order.
    /// Errors thrown by any rank are rethrown (the first by rank).
    public static func run<R: Sendable>(size: Int, _ body: @escaping @Sendable (Communicator) throws -> R) throws -> [R] {
        let group = LocalGroup(size: size)
        let box = ResultBox<R>(size: size)
        let threads = (0..<size).map { r in
            Thread {
                let comm = LocalCommunicator(group: group, rank: r)
                do { box.set(r, .success(try body(comm))) } catch { box.set(r, .failure(error)) }
                box.done.signal()
            }
        }
        for t in threads { t.stackSize = 16 << 20; t.start() }
        for _ in 0..<size { box.done.wait() }
        return try box.values.map { try $0!.get() }
    }

    /// One collective step: each rank contributes `values`; `combine` (run once, by the last to arrive) turns the
    /// contributions (in rank order) into the result every rank receives.
    func exchange(rank: Int, _ values: [Double], combine: ([[Double]]) -> [Double]) -> [Double] {
        condition.lock()
        defer { condition.unlock() }
        let myGeneration = generation
        slots[rank] = values
        arrived += 1
        if arrived == size {
            result = combine(slots)
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == myGeneration { condition.wait() }
        }
        return result
    }
}

private final class ResultBox<R>: @unchecked Sendable {
    let lock = NSLock()
    let done = DispatchSemaphore(value: 0)
    var values: [Result<R, Error>?]
    init(size: Int) { values = Array(repeating: nil, count: size) }
    func set(_ r: Int, _ v: Result<R, Error>) { lock.lock(); values[r] = v; lock.unlock() }
}

/// One rank's view of a `LocalGroup`. Values travel as Double (exact for Float, and for Int64 below 2^53,
/// which is all the tests need).
final class LocalCommunicator: Communicator, @unchecked Sendable {
    let group: LocalGroup
    let rank: Int
    var size: Int { group.size }
    init(group: LocalGroup, rank: Int) { self.group = group; self.rank = rank }

    func barrier() throws { _ = group.exchange(rank: rank, []) { _ in [] } }

    func allreduce<T: CommScalar>(_ buffer: UnsafeMutableBufferPointer<T>, _ op: ReduceOp) throws {
        let mine = buffer.map { toDouble($0) }
        let out = group.exchange(rank: rank, mine) { parts in
            var acc = parts[0]
            for p in parts.dropFirst() {
                for i in acc.indices {
                    switch op {
                    case .sum: acc[i] = reduceSum(acc[i], p[i], T.self)
                    case .max: acc[i] = Swift.max(acc[i], p[i])
                    }
                }
            }
            return acc
        }
        for i in buffer.indices { buffer[i] = fromDouble(out[i]) }
    }

    func broadcast<T: CommScalar>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int) throws {
        let mine = rank == root ? buffer.map { toDouble($0) } : []
        let out = group.exchange(rank: rank, mine) { parts in parts[root] }
        for i in buffer.indices { buffer[i] = fromDouble(out[i]) }
    }

    func allgather<T: CommScalar>(_ value: T) throws -> [T] {
        let out = group.exchange(rank: rank, [toDouble(value)]) { parts in parts.map { $0[0] } }
        return out.map { fromDouble($0) }
    }

    func abort(message: String, code: Int32) -> Never {
        printError(message)
        exitProcess(code)
    }
}

/// Float sums are rounded to Float after every addition, as a real float32 reduction would be.
private func reduceSum<T: CommScalar>(_ a: Double, _ b: Double, _: T.Type) -> Double {
    switch T.commKind {
    case .float: return Double(Float(a) + Float(b))
    case .double, .int64: return a + b
    }
}

private func toDouble<T: CommScalar>(_ v: T) -> Double {
    switch T.commKind {
    case .float: return Double(v as! Float)
    case .double: return v as! Double
    case .int64: return Double(v as! Int64)
    }
}

private func fromDouble<T: CommScalar>(_ v: Double) -> T {
    switch T.commKind {
    case .float: return Float(v) as! T
    case .double: return v as! T
    case .int64: return Int64(v) as! T
    }
}
