import _CMPI
import DiscaCore

/// The MPI world communicator. `MPIRuntime.start()` initialises MPI once (thread level FUNNELED: only the main
/// thread calls MPI) and `MPIRuntime.finish()` finalises it; the executable calls both on every exit path.
/// Without `mpirun` the process is an MPI singleton of size 1: the same code path.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// The raw handle, for libraries that need it (parallel HDF5).
    public let handle: MPI_Comm

    init(handle: MPI_Comm) throws {
        self.handle = handle
        var r: Int32 = 0, s: Int32 = 0
        try mpiCheck(MPI_Comm_rank(handle, &r), "MPI_Comm_rank")
        try mpiCheck(MPI_Comm_size(handle, &s), "MPI_Comm_size")
        rank = Int(r)
        size = Int(s)
    }

    public func barrier() throws {
        try mpiCheck(MPI_Barrier(handle), "MPI_Barrier")
    }

    /// Large buffers are reduced in pieces of at most 2^28 elements (MPI counts are 32-bit).
    public func allreduce<T: CommScalar>(_ buffer: UnsafeMutableBufferPointer<T>, _ op: ReduceOp) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let mpiOp = op == .sum ? disca_mpi_sum() : disca_mpi_max()
        var start = 0
        while start < buffer.count {
            let n = min(buffer.count - start, mpiChunkElements)
            try mpiCheck(MPI_Allreduce(disca_mpi_in_place(), base + start, Int32(n), mpiType(T.self), mpiOp, handle),
                         "MPI_Allreduce of \(buffer.count) \(T.self)")
            start += n
        }
    }

    public func broadcast<T: CommScalar>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        var start = 0
        while start < buffer.count {
            let n = min(buffer.count - start, mpiChunkElements)
            try mpiCheck(MPI_Bcast(base + start, Int32(n), mpiType(T.self), Int32(root), handle),
                         "MPI_Bcast of \(buffer.count) \(T.self) from rank \(root)")
            start += n
        }
    }

    public func allgather<T: CommScalar>(_ value: T) throws -> [T] {
        let mine = [value]
        var all = [T](repeating: 0, count: size)
        try mine.withUnsafeBufferPointer { send in
            try all.withUnsafeMutableBufferPointer { out in
                try mpiCheck(MPI_Allgather(send.baseAddress, 1, mpiType(T.self), out.baseAddress, 1, mpiType(T.self), handle),
                             "MPI_Allgather")
            }
        }
        return all
    }

    public func abort(message: String, code: Int32) -> Never {
        printError(message)
        MPI_Abort(handle, code)
        exitProcess(code)
    }
}

private let mpiChunkElements = 1 << 28

private func mpiType<T: CommScalar>(_: T.Type) -> MPI_Datatype {
    switch T.commKind {
    case .float: return disca_mpi_float()
    case .double: return disca_mpi_double()
    case .int64: return disca_mpi_int64()
    }
}

/// Turns an MPI return code into an error naming the call.
func mpiCheck(_ code: Int32, _ call: @autoclosure () -> String) throws {
    guard code != MPI_SUCCESS else { return }
    var buf = [CChar](repeating: 0, count: Int(disca_mpi_max_error_string()) + 1)
    var len: Int32 = 0
    MPI_Error_string(code, &buf, &len)
    let text = String(decoding: buf.prefix(Int(len)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    throw DiscaError.native(call: call(), detail: text)
}

/// MPI's process-wide lifetime. MPI may be initialised once per process.
public enum MPIRuntime {
    /// Initialises MPI (FUNNELED) if needed and returns the world communicator with errors returned, not fatal.
    public static func start() throws -> MPICommunicator {
        var initialized: Int32 = 0
        try mpiCheck(MPI_Initialized(&initialized), "MPI_Initialized")
        if initialized == 0 {
            var provided: Int32 = 0
            try mpiCheck(MPI_Init_thread(nil, nil, disca_mpi_thread_funneled(), &provided), "MPI_Init_thread")
        }
        try mpiCheck(MPI_Comm_set_errhandler(disca_mpi_comm_world(), disca_mpi_errors_return()),
                     "MPI_Comm_set_errhandler")
        return try MPICommunicator(handle: disca_mpi_comm_world())
    }

    /// Finalises MPI if it was initialised and not yet finalised. Safe to call more than once.
    public static func finish() {
        var initialized: Int32 = 0, finalized: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalized)
        if initialized != 0 && finalized == 0 { MPI_Finalize() }
    }
}
