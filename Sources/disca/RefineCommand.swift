import ArgumentParser
import DiscaAlignment
import DiscaCore
import DiscaIO
import DiscaTraining
import Foundation

/// `disca refine`: the alignment stage of `disca train` alone (docs/algorithm.md section 12), on labels from any
/// source: a result file's /labels, or none (one class, split at random into max(refine.subclasses,
/// refine.start_classes) sub-classes).
struct RefineCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "refine",
        abstract: "Classify by multi-reference alignment from starting labels; class averages and poses.",
        discussion: """
            Every subtomogram is aligned to every class average (SO(3) grid, small shifts, missing wedge) and joins \
            the class that explains it best; averages are rebuilt from the aligned members; classes whose averages \
            agree within their noise merge. Settings: the [refine] section of the configuration. Writes /labels, \
            /labels_network (the starting labels), /class_averages, /alignment_rotations, /alignment_shifts, \
            /alignment_scores and attributes K, K_network.
            """)

    @Option(help: "Input HDF5 file with /subtomograms (N, D, D, D).") var input: String
    @Option(help: "Starting labels: an HDF5 file with /labels (e.g. RUNDIR/result.h5); none: one class.")
    var labels: String?
    @Option(help: "Output HDF5 file.") var output: String
    @Option(help: "Configuration file (TOML); only [refine], [input] and loop.seed are used.") var config: String?
    @Option(name: .customLong("set"), help: "Override a configuration key: section.key=value (repeatable).")
    var overrides: [String] = []
    @Flag(help: "Overwrite the output file if it exists.") var force = false

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let settings = try comm.collectively { try DiscaConfig.load(path: config, overrides: overrides) }
        try comm.collectively {
            guard settings.refine.rounds >= 1 else {
                throw DiscaError.badInput("refine.rounds is \(settings.refine.rounds); disca refine needs at least 1 round")
            }
        }
        try comm.collectively {
            if output == input || output == labels {
                throw DiscaError.badInput("\(output): the output must not be one of the inputs")
            }
            if FileManager.default.fileExists(atPath: output) && !force {
                throw DiscaError.badInput("\(output) exists; pass --force to overwrite it")
            }
        }
        let source = try SubtomogramSource(path: input, dataset: settings.input.dataset, comm: comm, minimumBox: 1,
                                           blocks: 0)
        try comm.collectively {
            guard source.boxVoxels >= 8 else {
                throw DiscaError.badInput("\(input): box \(source.boxVoxels) is too small to align (needs D >= 8)")
            }
        }
        try source.validateFinite(comm: comm, blockRows: settings.input.readRows)
        let mine = comm.rows(of: source.count)
        var start = [Int32](repeating: 0, count: mine.count)
        var k = 1
        if let labels {
            let f = try HDF5File.open(labels, comm: comm)
            let shape = try comm.collectively { try f.requireDataset("/labels", rank: 1, floatingPoint: false, meaning: "(N)") }
            try comm.collectively {
                guard shape[0] == source.count else {
                    throw DiscaError.badInput("\(labels): /labels has \(shape[0]) rows, \(input) has \(source.count) subtomograms")
                }
            }
            start = try comm.collectively { try f.readRows("/labels", rows: mine) }
            try f.close()
            let largest = try comm.allreduce(Int64(start.max() ?? 0), .max)
            let smallest = -(try comm.allreduce(-Int64(start.min() ?? 0), .max))
            try comm.collectively {
                guard smallest >= 0 else { throw DiscaError.badInput("\(labels): /labels holds negative labels") }
            }
            k = Int(largest) + 1
        }
        let started = Date()
        let result = try ClassRefinement.run(source, labels: start, k: k, config: settings,
                                             seed: UInt64(bitPattern: Int64(settings.loop.seed)), comm: comm,
                                             log: { context.say($0) })
        let seconds = Date().timeIntervalSince(started)
        let o = ClassRefinement.options(settings, inputBox: source.boxVoxels)
        let outputs = LocalOutputs(count: source.count, rows: mine, features: [], featureSize: 0, featuresPCA: [],
                                   pcaSize: 0, labels: result.labels, posterior: [], classes: 0)
        try writeResultFile(output, outputs: outputs, attributes: [
            ("K", .int(result.k)), ("K_network", .int(k)), ("refine_rounds", .int(result.rounds.count)),
            ("refine_seconds", .double(seconds)), ("class_reliabilities", .doubles(result.reliabilities)),
        ], includeFeatures: false, comm: comm) { f in
            try ClassRefinement.write(result, startLabels: start, rows: mine, count: source.count, options: o, to: f)
        }
        context.say(String(format: "refined to K %d in %.1f s; wrote %@", result.k, seconds, output))
    }
}
