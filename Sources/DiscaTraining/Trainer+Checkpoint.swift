import DiscaCore
import DiscaIO
import DiscaNetwork
import Foundation

extension Trainer {
    /// Keys that may change between a run and its resumption (they do not change the computation).
    static let resumableKeys: Set<String> = ["checkpoint.minutes", "report.progress_seconds", "input.read_rows",
                                             "loop.max_iterations", "report.sample_size"]

    /// A cheap fingerprint of the input: N, D and the sums of the first and last subtomograms.
    func inputFingerprint() throws -> [Double] {
        let v = source.voxelsPerSubtomogram
        var buffer = [Float](repeating: 0, count: v)
        var sums: [Double] = []
        for row in [0, source.count - 1] {
            try buffer.withUnsafeMutableBufferPointer { try source.read(rows: row..<(row + 1), into: $0) }
            sums.append(buffer.reduce(0.0) { $0 + Double($1) })
        }
        return [Double(source.count), Double(source.boxVoxels)] + sums
    }

    /// Writes a whole checkpoint (collective); `extraSeconds` is added to the iteration time stored.
    func writeCheckpoint(extraSeconds: Double = 0) throws {
        let f = try checkpoints.beginWrite(comm: comm)
        var s = state
        s.iterationSeconds += extraSeconds
        try s.write(to: f)
        try f.setAttribute("input", .string(options.input))
        try f.setAttribute("input_fingerprint", .doubles(try inputFingerprint()))
        try f.setAttribute("config", .string(config.keyValues().map { "\($0.key) = \($0.value)" }.joined(separator: "\n")))
        try f.setAttribute("version", .string(options.version))
        try f.setAttribute("ranks", .int(comm.size))
        try model.save(to: f, group: "/network", comm: comm)
        let mine = comm.rows(of: source.count)
        for (name, values) in [("/labels", labels), ("/reported_labels", reported)] where !values.isEmpty {
            try f.createDataset(name, type: .int32, shape: [source.count], chunk: [min(source.count, 65536)])
            try f.writeRows(name, rows: mine, data: Array(values[mine]))
        }
        try checkpoints.commit(f, comm: comm)
        lastCheckpoint = Date()
    }

    /// Restores the newest whole checkpoint, refusing one made for another dataset or an incompatible configuration.
    func restoreCheckpoint() throws {
        let fingerprint = try inputFingerprint()
        let f = try checkpoints.openNewestWhole(comm: comm) { f -> String? in
            let stored = try f.doublesAttribute("input_fingerprint")
            if stored != fingerprint {
                return ("the checkpoint was made for a different dataset (\(try f.stringAttribute("input")): N \(Int(stored[0])), box \(Int(stored[1]))); this input differs (N \(source.count), box \(source.boxVoxels)\(stored[0] == fingerprint[0] && stored[1] == fingerprint[1] ? ", other values" : ""))")
            }
            let storedConfig = Dictionary(uniqueKeysWithValues: try f.stringAttribute("config").split(separator: "\n").map { line -> (String, String) in
                let parts = line.components(separatedBy: " = ")
                return (parts[0], parts.dropFirst().joined(separator: " = "))
            })
            var differences: [String] = []
            for (key, value) in config.keyValues() where !Self.resumableKeys.contains(key) {
                if let old = storedConfig[key], old != value { differences.append("\(key) \(old) -> \(value)") }
            }
            if !differences.isEmpty {
                return "the configuration differs from the checkpoint's: \(differences.joined(separator: ", ")) (start a new run with --force, or resume with the original settings)"
            }
            return nil
        }
        state = try comm.collectively { try TrainerState.read(from: f) }
        model = try comm.collectively {
            try YOPOModel.load(from: f, group: "/network")
        }
        model.dropoutRate = Float(config.network.dropoutRate)
        labels = f.exists("/labels") ? try comm.collectively { try f.read("/labels") } : []
        reported = f.exists("/reported_labels") ? try comm.collectively { try f.read("/reported_labels") } : []
        try f.close()
        try comm.collectively {
            guard comm.rank == 0 else { return }
            let kept = try runDirectory.readHistory().filter { line in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let i = o["iteration"] as? Int else { return false }
                return i < state.iteration
            }
            try runDirectory.writeHistory(kept)
        }
        lastCheckpoint = Date()
    }
}
