import ArgumentParser
import DiscaCore
import DiscaIO

/// Hidden checks of the native layers under a real `mpirun`, used by the multi-process tests.
struct SelftestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Checks of MPI and parallel HDF5 for the test suite.",
        shouldDisplay: false,
        subcommands: [SelftestCollectives.self, SelftestWriteRows.self, SelftestRead.self])
}

/// Allreduce (sum and max, Float, Double, Int64) of a large buffer and a broadcast, checked against the closed form.
struct SelftestCollectives: Verb {
    static let configuration = CommandConfiguration(commandName: "collectives")
    @Option(help: "Elements in the reduced buffers.") var elements: Int = 1 << 22

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let p = comm.size, r = comm.rank
        var mismatches = 0
        // Double: element i on rank r is i + r; the sum over ranks is p*i + p(p-1)/2.
        var d = (0..<elements).map { Double($0 + r) }
        try comm.allreduce(&d, .sum)
        for i in 0..<elements where d[i] != Double(p * i + p * (p - 1) / 2) { mismatches += 1 }
        // Float: small integers are exact.
        var f = (0..<elements).map { Float(($0 % 1000) * (r + 1)) }
        try comm.allreduce(&f, .sum)
        for i in 0..<elements where f[i] != Float((i % 1000) * p * (p + 1) / 2) { mismatches += 1 }
        // Int64 max.
        var m = (0..<elements).map { Int64($0 * (r + 1)) }
        try comm.allreduce(&m, .max)
        for i in 0..<elements where m[i] != Int64(i * p) { mismatches += 1 }
        // Broadcast from the last rank.
        var b = (0..<1000).map { Double($0) * (r == p - 1 ? 3 : 0) }
        try comm.broadcast(&b, root: p - 1)
        for i in 0..<1000 where b[i] != Double(i * 3) { mismatches += 1 }
        let text = try comm.broadcast(r == 0 ? "from rank 0: héllo" : "", root: 0)
        if text != "from rank 0: héllo" { mismatches += 1 }
        let gathered = try comm.allgather(Int64(r * 10))
        if gathered != (0..<p).map({ Int64($0 * 10) }) { mismatches += 1 }
        let total = try comm.allreduce(Int64(mismatches), .sum)
        context.say("collectives ranks=\(p) elements=\(elements) mismatches=\(total)")
        if total != 0 { throw CollectiveError(.runtime("collectives mismatched in \(total) places")) }
    }
}

/// Every rank writes its block of `rows` rows (row i holds i*1000 + j) into a shared chunked dataset.
struct SelftestWriteRows: Verb {
    static let configuration = CommandConfiguration(commandName: "write-rows")
    @Option var output: String
    @Option var rows: Int
    @Option var width: Int = 7

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let file = try HDF5File.create(output, comm: comm)
        try file.createDataset("/data/values", type: .float32, shape: [rows, width], chunk: [1, width])
        let mine = comm.rows(of: rows)
        var block = [Float]()
        for i in mine { for j in 0..<width { block.append(Float(i * 1000 + j)) } }
        try file.writeRows("/data/values", rows: mine, data: block)
        try file.setAttribute("ranks", .int(comm.size))
        try file.setAttribute("note", .string("written by \(comm.size) ranks"), on: "/data/values")
        try file.close()
        context.say("wrote \(rows) rows from \(comm.size) ranks")
    }
}

/// Opens a file on every rank and reads a float dataset (exercises the bad-input paths).
struct SelftestRead: Verb {
    static let configuration = CommandConfiguration(commandName: "read")
    @Option var input: String
    @Option var dataset: String

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let file = try HDF5File.open(input, comm: comm)
        let shape = try comm.collectively { try file.requireDataset(dataset, rank: 2, floatingPoint: true, meaning: "(N, P)") }
        let mine = comm.rows(of: shape[0])
        let values: [Float] = try comm.collectively { try file.readRows(dataset, rows: mine) }
        let sum = try comm.allreduce(values.reduce(0.0) { $0 + Double($1) }, .sum)
        context.say("read \(shape) sum=\(sum)")
    }
}
