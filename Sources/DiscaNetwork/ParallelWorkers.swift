import Dispatch
import DiscaNumerics

/// Runs independent per-sample work on a few threads, each calling single-threaded sgemm. With 2 cores this keeps
/// both busy through the im2col copies and the element-wise passes too, and avoids OpenBLAS' own threads spinning
/// while the element-wise code runs. OpenBLAS' thread count is set to 1 for the duration and restored afterwards.
enum ParallelWorkers {
    /// Runs `body` with OpenBLAS on one thread when `workers` > 1: the network's own workers use the cores, and
    /// OpenBLAS' pool threads (which spin for a while after each threaded call) would only compete with them.
    static func withSingleThreadedBLAS<R>(workers: Int, _ body: () throws -> R) rethrows -> R {
        guard workers > 1 else { return try body() }
        return try BLAS.singleThreaded(body)
    }

    /// Calls `body(worker, item)` for every item in 0..<items, item i on worker i % workers (a fixed assignment, so
    /// the per-worker partial sums and hence the results do not depend on timing).
    static func run(workers: Int, items: Int, _ body: (_ worker: Int, _ item: Int) -> Void) {
        let w = max(1, min(workers, items))
        if w == 1 {
            for i in 0..<items { body(0, i) }
            return
        }
        BLAS.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: w) { worker in
                var i = worker
                while i < items { body(worker, i); i += w }
            }
        }
    }
}

/// A reusable scratch allocation that only grows.
final class Scratch<T>: @unchecked Sendable {
    private(set) var pointer: UnsafeMutablePointer<T>
    private(set) var capacity: Int
    private let zero: T

    init(_ zero: T) {
        self.zero = zero
        capacity = 1
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: zero)
    }

    deinit { pointer.deallocate() }

    /// At least `count` elements (contents undefined after growing).
    @discardableResult
    func reserve(_ count: Int) -> UnsafeMutablePointer<T> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
            pointer.initialize(repeating: zero, count: count)
        }
        return pointer
    }

    var bytes: Int { capacity * MemoryLayout<T>.stride }

    /// Gives the memory back (capacity 1).
    func shrink() {
        pointer.deallocate()
        capacity = 1
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: zero)
    }
}
