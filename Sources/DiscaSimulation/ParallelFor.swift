import Dispatch

/// Runs independent work items on a few threads: thread t takes items t, t + threads, t + 2 threads, ...
/// (each item must write only its own output).
public enum ParallelFor {
    public static func run(count: Int, threads: Int, _ body: (Int) -> Void) {
        let t = max(1, min(threads, count))
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: t) { worker in
                var k = worker
                while k < count { body(k); k += t }
            }
        }
    }
}
