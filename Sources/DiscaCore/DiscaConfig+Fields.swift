import Foundation
import TOMLKit

/// The table of configuration keys: TOML name, where it lives in `DiscaConfig`, and what it means.
extension DiscaConfig {
    enum FieldRef {
        case int(WritableKeyPath<DiscaConfig, Int>)
        case double(WritableKeyPath<DiscaConfig, Double>)
        case string(WritableKeyPath<DiscaConfig, String>)
        /// One of a fixed set of words, held as an enum: a value outside the set is an error when the file is read.
        case choice(allowed: [String], get: (DiscaConfig) -> String, set: (inout DiscaConfig, String) -> Void)

        static func choice<E: RawRepresentable & CaseIterable>(_ kp: WritableKeyPath<DiscaConfig, E>) -> FieldRef
            where E.RawValue == String {
            .choice(allowed: E.allCases.map(\.rawValue), get: { $0[keyPath: kp].rawValue },
                    set: { config, word in config[keyPath: kp] = E(rawValue: word)! })
        }
    }

    struct Field {
        let key: String
        let ref: FieldRef
        let doc: String
    }

    static let fields: [Field] = [
        Field(key: "network.blocks", ref: .int(\.network.blocks), doc: "convolution blocks (box - 2*blocks >= 1)"),
        Field(key: "network.first_width", ref: .int(\.network.firstWidth), doc: "channels of the first block"),
        Field(key: "network.width_step", ref: .int(\.network.widthStep), doc: "channels added per block"),
        Field(key: "network.feature_size", ref: .int(\.network.featureSize), doc: "width of the feature vector"),
        Field(key: "network.dropout_rate", ref: .double(\.network.dropoutRate), doc: "Gaussian dropout rate on the input"),
        Field(key: "training.batch_size", ref: .int(\.training.batchSize), doc: "global batch (split across ranks)"),
        Field(key: "training.learning_rate", ref: .double(\.training.learningRate), doc: "Nadam learning rate at iteration 1"),
        Field(key: "training.learning_rate_decay", ref: .double(\.training.learningRateDecay), doc: "factor per iteration"),
        Field(key: "training.smoothing", ref: .double(\.training.smoothing), doc: "label smoothing alpha"),
        Field(key: "training.smoothing_decay", ref: .double(\.training.smoothingDecay), doc: "factor per iteration, applied before use"),
        Field(key: "training.nadam_epsilon", ref: .double(\.training.nadamEpsilon), doc: "Nadam epsilon"),
        Field(key: "training.epochs_per_iteration", ref: .int(\.training.epochsPerIteration), doc: "epochs per EM iteration"),
        Field(key: "training.rotated_copies", ref: .int(\.training.rotatedCopies), doc: "rotated copies per subtomogram per epoch"),
        Field(key: "training.min_steps_per_iteration", ref: .int(\.training.minStepsPerIteration), doc: "at least this many steps per iteration"),
        Field(key: "training.head_epochs", ref: .int(\.training.headEpochs), doc: "head-only epochs when K changes"),
        Field(key: "training.head_learning_rate", ref: .double(\.training.headLearningRate), doc: "head-only learning rate"),
        Field(key: "mixture.pca_components", ref: .int(\.mixture.pcaComponents), doc: "PCA components (0: none)"),
        Field(key: "mixture.cap_pca_by_n", ref: .int(\.mixture.capPCAByN), doc: "1: no more PCA dimensions than N supports"),
        Field(key: "mixture.candidates", ref: .string(\.mixture.candidates), doc: "candidate K, e.g. \"2-20\" or \"5,10,20\""),
        Field(key: "mixture.reg_covar", ref: .double(\.mixture.regCovar), doc: "added to covariance diagonals"),
        Field(key: "mixture.max_steps", ref: .int(\.mixture.maxSteps), doc: "EM steps per fit"),
        Field(key: "mixture.tolerance", ref: .double(\.mixture.tolerance), doc: "change of mean log-likelihood to stop"),
        Field(key: "mixture.tolerance_de_novo", ref: .double(\.mixture.toleranceDeNovo), doc: "tolerance for de-novo-only candidates"),
        Field(key: "mixture.n_init", ref: .int(\.mixture.nInit), doc: "random starts per candidate"),
        Field(key: "mixture.starts", ref: .choice(\.mixture.starts), doc: "random starts: \"k-means++\" or \"random\""),
        Field(key: "loop.max_iterations", ref: .int(\.loop.maxIterations), doc: "EM iterations at most"),
        Field(key: "loop.min_iterations", ref: .int(\.loop.minIterations), doc: "no convergence stop before this"),
        Field(key: "loop.convergence_fraction", ref: .double(\.loop.convergenceFraction), doc: "stop above this unchanged fraction"),
        Field(key: "loop.explore_iterations", ref: .int(\.loop.exploreIterations), doc: "iterations trained on over-clustered labels"),
        Field(key: "loop.explore_k", ref: .int(\.loop.exploreK), doc: "components of the exploration mixture (0: automatic)"),
        Field(key: "loop.initial_labels", ref: .choice(\.loop.initialLabels), doc: "first training labels: \"profiles\" or \"network\""),
        Field(key: "loop.seed", ref: .int(\.loop.seed), doc: "seed of every random stream"),
        Field(key: "checkpoint.minutes", ref: .double(\.checkpoint.minutes), doc: "minutes between checkpoints within an iteration"),
        Field(key: "input.dataset", ref: .string(\.input.dataset), doc: "dataset of subtomograms (N, D, D, D)"),
        Field(key: "input.read_rows", ref: .int(\.input.readRows), doc: "rows per HDF5 read when streaming"),
        Field(key: "report.sample_size", ref: .int(\.report.sampleSize), doc: "subtomograms sampled for plots"),
        Field(key: "report.progress_seconds", ref: .double(\.report.progressSeconds), doc: "seconds between progress lines"),
        Field(key: "refine.rounds", ref: .int(\.refine.rounds), doc: "alignment rounds after the loop (0: none)"),
        Field(key: "refine.box", ref: .int(\.refine.box), doc: "working box of the alignment (voxels)"),
        Field(key: "refine.rotations", ref: .int(\.refine.rotations), doc: "rotations of the SO(3) search grid"),
        Field(key: "refine.max_shift", ref: .int(\.refine.maxShift), doc: "largest shift per axis (working voxels)"),
        Field(key: "refine.tilt_degrees", ref: .double(\.refine.tiltDegrees), doc: "tilt range +-degrees (90: no wedge)"),
        Field(key: "refine.low_pass", ref: .double(\.refine.lowPass), doc: "low-pass cutoff, fraction of Nyquist"),
        Field(key: "refine.subclasses", ref: .int(\.refine.subclasses), doc: "random sub-classes per loop class"),
        Field(key: "refine.start_classes", ref: .int(\.refine.startClasses), doc: "classes the refinement starts from (at least)"),
        Field(key: "refine.merge_separation", ref: .double(\.refine.mergeSeparation), doc: "merge classes separated less than this"),
        Field(key: "refine.align_only_rounds", ref: .int(\.refine.alignOnlyRounds), doc: "first rounds that keep the classes"),
        Field(key: "refine.smallest_class", ref: .double(\.refine.smallestClass), doc: "drop classes below this fraction of N"),
    ]

    /// Loads a TOML file (nil: defaults) and applies `--set section.key=value` overrides.
    /// Unknown keys, wrong types and invalid values are `badInput` naming the file or override and the key.
    public static func load(path: String?, overrides: [String] = []) throws -> DiscaConfig {
        var config = DiscaConfig()
        if let path {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw DiscaError.badInput("\(path): cannot read configuration file")
            }
            try config.apply(toml: text, source: path)
        }
        for o in overrides {
            guard let eq = o.firstIndex(of: "="), o[..<eq].contains(".") else {
                throw DiscaError.badInput("--set \(o): expected section.key=value")
            }
            let key = String(o[..<eq]).trimmingCharacters(in: .whitespaces)
            let value = String(o[o.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            // Parse the value as TOML; a bare word is taken as a string.
            let snippet = "[\(parts[0])]\n\(parts[1]) = \(value)"
            if (try? TOMLTable(string: snippet)) != nil {
                try config.apply(toml: snippet, source: "--set \(o)")
            } else {
                let quoted = "[\(parts[0])]\n\(parts[1]) = \"\(value.replacingOccurrences(of: "\"", with: "\\\""))\""
                try config.apply(toml: quoted, source: "--set \(o)")
            }
        }
        try config.validate()
        return config
    }

    mutating func apply(toml text: String, source: String) throws {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw DiscaError.badInput("\(source): not valid TOML (\(e.description) at \(e.source.begin.debugDescription))")
        }
        for (section, value) in table {
            guard let inner = value.table else {
                throw DiscaError.badInput("\(source): unknown key \(section) (keys live in sections like [network])")
            }
            for (name, v) in inner {
                let key = "\(section).\(name)"
                guard let field = Self.fields.first(where: { $0.key == key }) else {
                    throw DiscaError.badInput("\(source): unknown key \(key)")
                }
                switch field.ref {
                case .int(let kp):
                    guard let i = v.int else { throw DiscaError.badInput("\(source): \(key) must be an integer") }
                    self[keyPath: kp] = i
                case .double(let kp):
                    guard let d = v.double ?? v.int.map(Double.init) else {
                        throw DiscaError.badInput("\(source): \(key) must be a number")
                    }
                    self[keyPath: kp] = d
                case .string(let kp):
                    guard let s = v.string ?? v.int.map(String.init) else {
                        throw DiscaError.badInput("\(source): \(key) must be a string")
                    }
                    self[keyPath: kp] = s
                case .choice(let allowed, _, let set):
                    guard let s = v.string, allowed.contains(s) else {
                        throw DiscaError.badInput("\(source): \(key) must be one of " +
                                                  allowed.map { "\"\($0)\"" }.joined(separator: ", "))
                    }
                    set(&self, s)
                }
            }
        }
    }

    /// Checks ranges that do not depend on the data (the box is checked against the input later).
    public func validate() throws {
        func need(_ ok: Bool, _ key: String, _ what: String) throws {
            if !ok { throw DiscaError.badInput("configuration: \(key) \(what)") }
        }
        try need(network.blocks >= 1, "network.blocks", "must be at least 1")
        try need(network.firstWidth >= 1, "network.first_width", "must be at least 1")
        try need(network.widthStep >= 0, "network.width_step", "must be at least 0")
        try need(network.featureSize >= 1, "network.feature_size", "must be at least 1")
        try need(network.dropoutRate >= 0 && network.dropoutRate < 1, "network.dropout_rate", "must be in [0, 1)")
        try need(training.batchSize >= 1, "training.batch_size", "must be at least 1")
        try need(training.learningRate > 0, "training.learning_rate", "must be positive")
        try need(training.smoothing >= 0 && training.smoothing < 1, "training.smoothing", "must be in [0, 1)")
        try need(training.epochsPerIteration >= 0, "training.epochs_per_iteration", "must be at least 0")
        try need(training.rotatedCopies >= 0, "training.rotated_copies", "must be at least 0")
        try need(mixture.pcaComponents >= 0, "mixture.pca_components", "must be at least 0")
        try need(mixture.capPCAByN == 0 || mixture.capPCAByN == 1, "mixture.cap_pca_by_n", "must be 0 or 1")
        try need(mixture.nInit >= 1, "mixture.n_init", "must be at least 1")
        try need(mixture.maxSteps >= 1, "mixture.max_steps", "must be at least 1")
        try need(mixture.regCovar >= 0, "mixture.reg_covar", "must be at least 0")
        try need(loop.maxIterations >= 1, "loop.max_iterations", "must be at least 1")
        try need(loop.minIterations >= 0, "loop.min_iterations", "must be at least 0")
        try need(loop.exploreIterations >= 0, "loop.explore_iterations", "must be at least 0")
        try need(loop.exploreK >= 0, "loop.explore_k", "must be at least 0 (0: automatic)")
        try need(training.minStepsPerIteration >= 0, "training.min_steps_per_iteration", "must be at least 0")
        try need(checkpoint.minutes > 0, "checkpoint.minutes", "must be positive")
        try need(input.readRows >= 1, "input.read_rows", "must be at least 1")
        try need(refine.rounds >= 0, "refine.rounds", "must be at least 0 (0: no refinement)")
        try need(refine.box >= 4, "refine.box", "must be at least 4")
        try need(refine.rotations >= 1, "refine.rotations", "must be at least 1")
        try need(refine.maxShift >= 0 && refine.maxShift < refine.box / 4, "refine.max_shift",
                 "must be at least 0 and below a quarter of refine.box")
        try need(refine.tiltDegrees > 0, "refine.tilt_degrees", "must be positive")
        try need(refine.lowPass > 0 && refine.lowPass <= 1, "refine.low_pass", "must be in (0, 1]")
        try need(refine.subclasses >= 1, "refine.subclasses", "must be at least 1")
        try need(refine.startClasses >= 1, "refine.start_classes", "must be at least 1")
        try need(refine.alignOnlyRounds >= 0, "refine.align_only_rounds", "must be at least 0")
        try need(refine.mergeSeparation > 0, "refine.merge_separation", "must be positive")
        try need(refine.smallestClass >= 0 && refine.smallestClass < 0.5, "refine.smallest_class", "must be in [0, 0.5)")
        _ = try candidateKs()
    }

    /// Every key with its value as TOML text, in table order.
    public func keyValues() -> [(key: String, value: String)] {
        Self.fields.map { f in
            switch f.ref {
            case .int(let kp): return (f.key, String(self[keyPath: kp]))
            case .double(let kp): return (f.key, formatTOMLDouble(self[keyPath: kp]))
            case .string(let kp): return (f.key, "\"\(self[keyPath: kp])\"")
            case .choice(_, let get, _): return (f.key, "\"\(get(self))\"")
            }
        }
    }

    /// The effective configuration as TOML (stored in the run directory).
    public func renderTOML() -> String {
        var out = "# disca effective configuration\n"
        var section = ""
        for (f, kv) in zip(Self.fields, keyValues()) {
            let parts = f.key.split(separator: ".", maxSplits: 1).map(String.init)
            if parts[0] != section { section = parts[0]; out += "\n[\(section)]\n" }
            out += "\(parts[1]) = \(kv.value)  # \(f.doc)\n"
        }
        return out
    }
}

private func formatTOMLDouble(_ d: Double) -> String {
    let s = "\(d)"
    return s.contains(".") || s.contains("e") || s.contains("inf") || s.contains("nan") ? s : s + ".0"
}
