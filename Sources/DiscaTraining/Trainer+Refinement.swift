import DiscaAlignment
import DiscaCore
import DiscaIO
import Foundation

extension Trainer {
    /// After the loop: the labels of the best iteration (result.h5) refined by multi-reference alignment
    /// (`ClassRefinement`), and result.h5 rewritten whole with the refined labels, the class averages and the poses.
    /// Deterministic, so a run stopped here simply refines again on resume (it starts from `/labels_network` when a
    /// refined result was already written).
    func refinementPhase() throws -> Int {
        let path = runDirectory.resultPath
        let n = source.count, mine = comm.rows(of: n)
        let f = try HDF5File.open(path, comm: comm)
        let labelsName = f.exists("/labels_network") ? "/labels_network" : "/labels"
        let start: [Int32] = try comm.collectively { try f.readRows(labelsName, rows: mine) }
        let kNetwork = try comm.collectively { try f.intAttribute(f.hasAttribute("K_network") ? "K_network" : "K") }
        let featureSize = try f.info(of: "/features").shape[1], pcaSize = try f.info(of: "/features_pca").shape[1]
        let features: [Float] = try f.readRows("/features", rows: mine)
        let featuresPCA: [Float] = try f.readRows("/features_pca", rows: mine)
        let posterior: [Float] = try f.readRows("/posterior", rows: mine)
        var attributes: [(String, HDF5AttributeValue)] = []
        for name in ["best_iteration", "iterations"] where f.hasAttribute(name) {
            attributes.append((name, .int(try f.intAttribute(name))))
        }
        for name in ["ddbi", "bic"] where f.hasAttribute(name) {
            attributes.append((name, .double(try f.doubleAttribute(name))))
        }
        try f.close()

        let o = ClassRefinement.options(config, inputBox: source.boxVoxels)
        say("refinement: multi-reference alignment of the \(kNetwork) classes of the best iteration on \(o.box)^3, " +
            "\(o.rotations) rotations x \(o.shifts.count) shifts, " +
            "\(ClassRefinement.subclasses(k: kNetwork, config)) sub-classes each")
        let started = Date()
        let result = try ClassRefinement.run(source, labels: start, k: kNetwork, config: config, seed: seed,
                                             comm: comm, log: { [self] in say($0) })
        let seconds = Date().timeIntervalSince(started)
        var sizes = [Int64](repeating: 0, count: result.k)
        for l in result.labels { sizes[Int(l)] += 1 }
        try comm.allreduce(&sizes, .sum)
        say(String(format: "refinement: K %d (loop: %d), sizes %@, %.1f s", result.k, kNetwork,
                   sizes.map(String.init).joined(separator: "/"), seconds))
        attributes += [("K", .int(result.k)), ("K_network", .int(kNetwork)),
                       ("refine_rounds", .int(result.rounds.count)), ("refine_seconds", .double(seconds)),
                       ("class_reliabilities", .doubles(result.reliabilities))]
        let outputs = LocalOutputs(count: n, rows: mine, features: features, featureSize: featureSize,
                                   featuresPCA: featuresPCA, pcaSize: pcaSize, labels: result.labels,
                                   posterior: posterior, classes: kNetwork)
        try writeResultFile(path, outputs: outputs, attributes: attributes, comm: comm) { out in
            try ClassRefinement.write(result, startLabels: start, rows: mine, count: n, options: o, to: out)
        }
        return result.k
    }

    /// K of the result file (the refined K once the refinement has run).
    func readResultK() throws -> Int {
        let f = try HDF5File.open(runDirectory.resultPath)
        defer { try? f.close() }
        return try f.intAttribute("K")
    }
}
