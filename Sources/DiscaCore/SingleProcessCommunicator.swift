/// A group of one: every collective is the identity. Used by unit tests; the program itself always runs on MPI
/// (a run without `mpirun` is an MPI singleton).
public final class SingleProcessCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func barrier() throws {}
    public func allreduce<T: CommScalar>(_ buffer: UnsafeMutableBufferPointer<T>, _ op: ReduceOp) throws {}
    public func broadcast<T: CommScalar>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int) throws {
        precondition(root == 0, "broadcast root \(root) outside a group of one")
    }
    public func allgather<T: CommScalar>(_ value: T) throws -> [T] { [value] }
    public func abort(message: String, code: Int32) -> Never {
        printError(message)
        exitProcess(code)
    }
}
