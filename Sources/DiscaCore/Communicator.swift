/// The element types that collectives carry.
public enum CommScalarKind: Sendable { case float, double, int64 }

/// A scalar type that can travel through a collective.
public protocol CommScalar: Numeric, Comparable, Sendable {
    static var commKind: CommScalarKind { get }
}
extension Float: CommScalar { public static var commKind: CommScalarKind { .float } }
extension Double: CommScalar { public static var commKind: CommScalarKind { .double } }
extension Int64: CommScalar { public static var commKind: CommScalarKind { .int64 } }

/// Reduction operators.
public enum ReduceOp: Sendable { case sum, max }

/// A group of cooperating processes (ranks). The MPI implementation lives in DiscaMPI; `SingleProcessCommunicator`
/// and `LocalGroup` (several ranks as threads of one process) implement the same protocol for tests.
///
/// Every collective must be called by every rank of the group in the same order with the same sizes.
public protocol Communicator: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    func barrier() throws
    /// In-place element-wise reduction over all ranks; afterwards every rank holds the result.
    func allreduce<T: CommScalar>(_ buffer: UnsafeMutableBufferPointer<T>, _ op: ReduceOp) throws
    /// Copies `buffer` of rank `root` into `buffer` of every rank.
    func broadcast<T: CommScalar>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int) throws
    /// Gathers one value per rank, in rank order, on every rank.
    func allgather<T: CommScalar>(_ value: T) throws -> [T]
    /// Ends the whole job with a message (used only where a collective decision is impossible).
    func abort(message: String, code: Int32) -> Never
}

extension Communicator {
    public var isRoot: Bool { rank == 0 }

    public func allreduce<T: CommScalar>(_ array: inout [T], _ op: ReduceOp) throws {
        try array.withUnsafeMutableBufferPointer { try allreduce($0, op) }
    }

    public func allreduce<T: CommScalar>(_ value: T, _ op: ReduceOp) throws -> T {
        var a = [value]
        try allreduce(&a, op)
        return a[0]
    }

    public func broadcast<T: CommScalar>(_ array: inout [T], root: Int = 0) throws {
        try array.withUnsafeMutableBufferPointer { try broadcast($0, root: root) }
    }

    public func broadcast<T: CommScalar>(_ value: T, root: Int = 0) throws -> T {
        var a = [value]
        try broadcast(&a, root: root)
        return a[0]
    }

    /// Broadcasts a string from `root` (UTF-8 bytes carried as Int64 values; meant for short texts).
    public func broadcast(_ text: String, root: Int = 0) throws -> String {
        var bytes = Array(text.utf8).map { Int64($0) }
        let count = try broadcast(Int64(bytes.count), root: root)
        if rank != root { bytes = [Int64](repeating: 0, count: Int(count)) }
        try broadcast(&bytes, root: root)
        return String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
    }

    /// Collective agreement on an error: every rank passes its local error (or nil); if any rank failed, every rank
    /// throws `CollectiveError` carrying the error of the lowest failing rank (its message broadcast to all), so no
    /// rank is left in a
    /// collective while another has left. Use around every step that can fail on one rank only (input, files).
    public func agree(_ localError: Error?) throws {
        if let already = localError as? CollectiveError { throw already }
        let none = Int64(1) << 40   // larger than any rank, exact in every implementation
        let flag: Int64 = localError == nil ? none : Int64(rank)
        let firstFailing = try allreduce(-flag, .max)   // max of -rank = lowest failing rank
        if firstFailing == -none { return }
        let root = Int(-firstFailing)
        var message = ""
        var code: Int64 = Int64(ExitStatus.failure)
        if rank == root, let e = localError {
            message = String(describing: e)
            code = Int64((e as? DiscaError)?.exitCode ?? ExitStatus.failure)
        }
        message = try broadcast(message, root: root)
        code = try broadcast(code, root: root)
        switch Int32(code) {
        case ExitStatus.badInput: throw CollectiveError(.badInput(message))
        case ExitStatus.preempted: throw CollectiveError(.stoppedAfterCheckpoint(message))
        default: throw CollectiveError(.runtime(message))
        }
    }

    /// Runs `body` on every rank and agrees on its failure (see `agree`).
    public func collectively<R>(_ body: () throws -> R) throws -> R {
        var result: R?
        var failure: Error?
        do { result = try body() } catch { failure = error }
        try agree(failure)
        return result!
    }

    /// The half-open range of global rows this rank owns when `count` rows are split as evenly as possible
    /// (the first `count % size` ranks get one extra row).
    public func rows(of count: Int) -> Range<Int> { RowPartition(count: count, parts: size).range(of: rank) }
}

/// An even split of `count` rows over `parts` owners.
public struct RowPartition: Sendable, Equatable {
    public let count: Int
    public let parts: Int
    public init(count: Int, parts: Int) { self.count = count; self.parts = parts }
    public func range(of part: Int) -> Range<Int> {
        let base = count / parts, extra = count % parts
        let start = part * base + Swift.min(part, extra)
        return start..<(start + base + (part < extra ? 1 : 0))
    }
}
