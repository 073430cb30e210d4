/// Every setting of a run, with its default. Loaded from TOML (`configs/*.toml`), overridden by
/// `--set section.key=value`; unknown keys are errors. `configs/paper.toml` holds the publication's settings;
/// the defaults here are the project's (see `DiscaConfig+Fields.swift` for each key's meaning).
public struct DiscaConfig: Sendable, Equatable {
    public struct Network: Sendable, Equatable {
        /// Convolution blocks (each shrinks the box by 2; box - 2*blocks >= 1).
        public var blocks = 10
        /// Output channels of the first block.
        public var firstWidth = 64
        /// Channels added per block.
        public var widthStep = 16
        /// Width of the feature vector (the dense layer after the taps).
        public var featureSize = 1024
        /// Gaussian dropout rate on the input during training (variance rate / (1 - rate)).
        public var dropoutRate = 0.5
    }

    public struct Training: Sendable, Equatable {
        public var batchSize = 64
        public var learningRate = 1e-3
        /// Learning rate multiplied by this after every iteration.
        public var learningRateDecay = 0.95
        /// Label smoothing alpha (multiplied by `smoothingDecay` every iteration before use).
        public var smoothing = 0.2
        public var smoothingDecay = 0.9
        public var nadamEpsilon = 1e-8
        /// Epochs over (every subtomogram + its rotated copies) per iteration.
        public var epochsPerIteration = 1
        /// Randomly rotated copies of each subtomogram per epoch.
        public var rotatedCopies = 1
        /// At least this many optimizer steps per iteration (more epochs at small N, so the features change).
        public var minStepsPerIteration = 150
        /// Epochs of head-only fitting when K changes.
        public var headEpochs = 10
        public var headLearningRate = 1e-4
    }

    public struct Mixture: Sendable, Equatable {
        /// PCA components of the features (0: no PCA).
        public var pcaComponents = 16
        /// 1: use at most as many PCA components as N supports for the largest candidate K (a full-covariance
        /// mixture of K_max components has no more parameters than there are subtomograms); 0: always
        /// `pca_components` (the publication).
        public var capPCAByN = 1
        /// Candidate numbers of clusters, e.g. "2-20" or "5,10,20".
        public var candidates = "2-20"
        public var regCovar = 1e-5
        public var maxSteps = 100
        public var tolerance = 1e-3
        /// Tolerance for candidates fitted de novo only.
        public var toleranceDeNovo = 1e-4
        public var nInit = 5
        /// How the random starts are drawn: "k-means++" (default; recovers well-separated clusters reliably) or
        /// "random" (random responsibilities, as the publication and scikit-learn's init_params="random").
        public var starts = MixtureStartKind.kMeansPlusPlus
    }

    public struct Loop: Sendable, Equatable {
        public var maxIterations = 10
        /// No convergence stop before this many iterations (guards the small-N trap of the published method).
        public var minIterations = 5
        /// Stop when more than this fraction of labels is unchanged (after `minIterations`).
        public var convergenceFraction = 0.999
        /// Iterations (from 0) whose training labels come from an over-clustered mixture (`explore_k` components)
        /// instead of the BIC choice, so the network learns fine structure before BIC has features worth
        /// selecting on (DeepCluster-style; guards the small-N trap where BIC picks K = 2 on untrained features).
        /// The reported labels, K, DDBI and result are always the BIC choice.
        public var exploreIterations = 0
        /// Components of the exploration mixture; 0 = automatic: min(largest candidate, max(2, N / 25)).
        public var exploreK = 0
        /// Where the first training labels come from: "profiles" (a mixture over candidate K on rotation-invariant
        /// radial density and power-spectrum profiles, no training needed) or "network" (the untrained network's
        /// features, as the publication). The reported iteration-0 clustering is the network's either way.
        public var initialLabels = InitialLabelSource.profiles
        public var seed = 0
    }

    public struct Checkpoint: Sendable, Equatable {
        /// Minutes between checkpoints within an iteration (one is always written after every iteration).
        public var minutes = 30.0
    }

    public struct Input: Sendable, Equatable {
        /// Dataset holding the subtomograms (N, D, D, D).
        public var dataset = "/subtomograms"
        /// Subtomograms read from HDF5 per request when streaming.
        public var readRows = 256
    }

    public struct Report: Sendable, Equatable {
        /// Subtomograms whose PCA features are stored per iteration for plots.
        public var sampleSize = 5000
        /// Seconds between progress lines.
        public var progressSeconds = 10.0
    }

    /// Multi-reference alignment after the loop (docs/algorithm.md section 12): the loop's labels are refined by
    /// aligning every subtomogram to every class average; `rounds = 0` skips it (the publication's method).
    public struct Refine: Sendable, Equatable {
        /// Rounds of (align, reassign, average) before the first merge test; 0: no refinement.
        public var rounds = 6
        /// Working box (voxels per side): subtomograms of a larger box are Fourier-cropped to it (coarser voxels,
        /// same field of view); smaller ones are used as they are.
        public var box = 24
        /// Rotations of the SO(3) grid searched (500: about 17 degrees to the nearest).
        public var rotations = 500
        /// Largest shift searched per axis, in working-box voxels.
        public var maxShift = 1
        /// Tilt range of the tilt series (+-degrees, tilt axis y, beam along z); 90: no missing wedge.
        public var tiltDegrees = 60.0
        /// Low-pass cutoff as a fraction of the working box's Nyquist frequency.
        public var lowPass = 1.0
        /// Each class of the loop is split at random into sub-classes before aligning (over-clustering), at least
        /// this many and enough for `start_classes` classes in all; classes whose members cannot tell their
        /// averages apart are then merged.
        public var subclasses = 2
        /// The refinement starts from at least this many classes.
        public var startClasses = 10
        /// Merge two classes when their members' preference for their own average is separated by less than this
        /// (Ashman's D of the score differences: about 2.7 for one structure split in two, more for two structures).
        public var mergeSeparation = 4.0
        /// Classes smaller than this fraction of N are dropped (their members join other classes).
        public var smallestClass = 0.01
        /// First rounds in which the classes are kept and only the poses are searched.
        public var alignOnlyRounds = 0
    }

    public var network = Network()
    public var training = Training()
    public var mixture = Mixture()
    public var loop = Loop()
    public var checkpoint = Checkpoint()
    public var input = Input()
    public var report = Report()
    public var refine = Refine()

    public init() {}

    /// Candidate K values parsed from `mixture.candidates` ("2-20", "5,10,20", "3").
    public func candidateKs() throws -> [Int] { try parseCandidates(mixture.candidates) }
}

/// Parses "2-20", "5,10,20", "2-4,8" into a sorted list of distinct K >= 1.
public func parseCandidates(_ text: String) throws -> [Int] {
    var ks = Set<Int>()
    for part in text.split(separator: ",") {
        let p = part.trimmingCharacters(in: .whitespaces)
        let bounds = p.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        if bounds.count == 1, let k = bounds[0], k >= 1 { ks.insert(k); continue }
        if bounds.count == 2, let a = bounds[0], let b = bounds[1], a >= 1, a <= b { ks.formUnion(a...b); continue }
        throw DiscaError.badInput("candidates '\(text)': expected a list like 2-20 or 5,10,20 of K >= 1")
    }
    if ks.isEmpty { throw DiscaError.badInput("candidates '\(text)': empty") }
    return ks.sorted()
}

import Foundation

/// How the de-novo starts of a mixture candidate begin (`mixture.starts`).
public enum MixtureStartKind: String, CaseIterable, Codable, Sendable, Equatable {
    /// Random responsibilities per row (the paper and the reference code; scikit-learn's init_params="random").
    case randomResponsibilities = "random"
    /// k-means++ seeding (scikit-learn's init_params="k-means++").
    case kMeansPlusPlus = "k-means++"
}

/// Where the first training labels come from (`loop.initial_labels`).
public enum InitialLabelSource: String, CaseIterable, Codable, Sendable, Equatable {
    /// A mixture over rotation-invariant radial density and power-spectrum profiles (no training needed).
    case profiles
    /// The untrained network's features, as the publication.
    case network
}
