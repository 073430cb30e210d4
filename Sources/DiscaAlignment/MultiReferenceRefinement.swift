import DiscaCore
import DiscaGeometry
import DiscaNumerics
import Foundation

/// One round of multi-reference alignment, as reported.
public struct RefinementRound: Codable, Sendable, Equatable {
    public let round: Int
    public let classes: Int
    /// Fraction of subtomograms whose class changed in this round.
    public let changedFraction: Double
    /// Mean over subtomograms of the best score (correlation with the unit template).
    public let meanScore: Double
    public let sizes: [Int]
    /// What happened after the round: "", "merged a+b ...", "dropped c".
    public let event: String
}

/// What the refinement found: labels of the local rows, the class averages and the best pose of every row.
public struct RefinementResult: Sendable {
    public let k: Int
    public let labels: [Int32]
    public let matches: [PoseMatch]
    /// (K, V) unit-norm class averages on the working box.
    public let averages: [[Float]]
    public let reliabilities: [Double]
    public let rounds: [RefinementRound]
}

/// Classification by multi-reference alignment, the way subtomogram averaging packages classify at low SNR
/// (docs/algorithm.md section 12): starting from given labels, each class is over-split at random into
/// sub-classes; then, round after round, every subtomogram is compared with every class average in every rotation
/// of a grid over SO(3) and every small shift, seen through the missing wedge, and joins the class (and pose) that
/// explains it best; each class average is rebuilt from its members brought back into its frame (sums allreduced
/// over ranks). Pairs of classes whose members cannot tell the two averages apart are merged (`separations`),
/// small classes are dropped, until nothing merges (at most five cycles). Averages of hundreds of subtomograms have a high SNR even when single
/// subtomograms do not, which is what lets this separate classes where per-particle features cannot.
public struct MultiReferenceRefinement {
    public let options: AlignmentSettings
    public let search: PoseSearch
    public var log: (String) -> Void = { _ in }

    public init(options: AlignmentSettings) {
        self.options = options
        search = PoseSearch(options: options, workingBox: WorkingBox(options: options),
                            grid: RotationGrid(count: options.rotations))
    }

    /// Collective. `particles`: the local rows on the working box ((n, V), from `WorkingBox.particle`), global rows
    /// `firstRow ..< firstRow + n`; `labels`: their starting classes in 0..<k; `subclasses`: how many random
    /// sub-classes each starting class is split into (1: none); `seed` keys the split.
    public func run(particles: [Float], firstRow: Int, totalRows: Int, labels start: [Int32], k: Int,
                    subclasses: Int, seed: UInt64, comm: Communicator) throws -> RefinementResult {
        guard options.rounds >= 1 else { throw DiscaError.badInput("refinement needs at least one round (refine.rounds)") }
        let n = start.count, v = search.workingBox.voxels
        let threads = options.threads > 0 ? options.threads : max(1, BLAS.threads)
        var labels = start.enumerated().map { i, l -> Int32 in
            var s = RandomStream(seed: seed, key: RandomKey(.refinementSplit, item: firstRow + i))
            return l * Int32(subclasses) + Int32(s.integer(below: subclasses))
        }
        var classes = k * subclasses
        var averages = try ClassAverages(particles: particles, count: n, firstRow: firstRow, labels: labels,
                                         classes: classes, voxels: v, threads: threads, align: nil, comm: comm)
        var references = averages.references(search.workingBox)
        var matches = [PoseMatch](repeating: PoseMatch(), count: n)
        var rounds: [RefinementRound] = []
        var lastScores: [PoseMatch] = []
        var round = 0
        var cycle = 0
        let smallest = max(3, Int((options.smallestClassFraction * Double(totalRows)).rounded(.up)))
        while true {
            var steady = 0
            for _ in 0..<(cycle == 0 ? options.rounds : max(2, options.rounds / 2)) {
                let roundStarted = Date()
                let volumes = references.map { Volume(depth: search.workingBox.box, height: search.workingBox.box,
                                                      width: search.workingBox.box, data: $0) }
                let all = search.search(particles: particles, count: n, references: volumes)
                lastScores = all
                var changed = 0
                var scoreSum = 0.0
                let keepLabels = round < options.alignOnlyRounds
                for i in 0..<n {
                    var best = 0
                    for c in 1..<max(classes, 1) where all[i * classes + c].score > all[i * classes + best].score { best = c }
                    if keepLabels && labels[i] >= 0 { best = Int(labels[i]) }
                    if Int32(best) != labels[i] { changed += 1 }
                    labels[i] = Int32(best)
                    matches[i] = all[i * classes + best]
                    scoreSum += Double(matches[i].score)
                }
                var totals = [Double(changed), scoreSum]
                try comm.allreduce(&totals, .sum)
                averages = try ClassAverages(particles: particles, count: n, firstRow: firstRow, labels: labels,
                                             classes: classes, voxels: v, threads: threads,
                                             align: { i in search.aligned(Array(particles[(i * v)..<((i + 1) * v)]),
                                                                          match: matches[i]) }, comm: comm)
                references = averages.references(search.workingBox)
                let changedFraction = totals[0] / Double(max(totalRows, 1))
                // Drop the classes too small to average (their members join their best other class next round).
                let small = (0..<classes).filter { averages.counts[$0] < smallest }
                var event = ""
                if !small.isEmpty && small.count < classes {
                    event = "dropped " + small.map(String.init).joined(separator: ",")
                    let kept = (0..<classes).filter { !small.contains($0) }
                    // Members of a dropped class join their best kept class (with its pose) at once, so no row is
                    // ever without a class; the scores keep the kept classes' columns.
                    var remapped = [Int32](repeating: -1, count: classes)
                    for (j, c) in kept.enumerated() { remapped[c] = Int32(j) }
                    var keptScores = [PoseMatch](repeating: PoseMatch(), count: n * kept.count)
                    for i in 0..<n {
                        for (j, c) in kept.enumerated() { keptScores[i * kept.count + j] = all[i * classes + c] }
                        if remapped[Int(labels[i])] < 0 {
                            var best = 0
                            for j in 1..<kept.count where keptScores[i * kept.count + j].score
                                > keptScores[i * kept.count + best].score { best = j }
                            labels[i] = Int32(kept[best])
                            matches[i] = keptScores[i * kept.count + best]
                        }
                    }
                    lastScores = keptScores
                    (labels, references, averages, classes) = try Self.keep(
                        kept, labels: labels, references: references,
                        particles: particles, firstRow: firstRow, voxels: v, threads: threads, matches: matches,
                        search: search, comm: comm)
                }
                rounds.append(RefinementRound(round: round, classes: classes, changedFraction: changedFraction,
                                              meanScore: totals[1] / Double(max(totalRows, 1)),
                                              sizes: averages.counts.map { Int($0) }, event: event))
                // The search's arithmetic: n x (K * rotations * shifts) x V multiply-adds on this rank.
                let flops = 2.0 * Double(n) * Double(volumes.count * search.grid.count * options.shifts.count) * Double(v)
                let seconds = Date().timeIntervalSince(roundStarted)
                log(String(format: "  refinement round %d: %d classes, changed %.4f, mean score %.4f, sizes %@%@ " +
                           "(%.1f s, search %.0f GFLOP/s per rank)",
                           round, classes, changedFraction, totals[1] / Double(max(totalRows, 1)),
                           averages.counts.map(String.init).joined(separator: "/"), event.isEmpty ? "" : ", " + event,
                           seconds, flops / seconds / 1e9))
                round += 1
                steady = changedFraction < 0.002 && event.isEmpty && !keepLabels ? steady + 1 : 0
                if steady >= 1 { break }
            }
            // Merge the pairs of classes whose members cannot tell the two averages apart.
            let reliabilities = averages.reliabilities(search.workingBox)
            let separation = try Self.separations(lastScores, labels: labels, classes: classes, comm: comm)
            let groups = Self.mergePairs(separation, classes: classes, threshold: options.mergeSeparation)
            cycle += 1
            if groups.count == classes || groups.count < 1 || cycle > 4 {
                return RefinementResult(k: classes, labels: labels, matches: matches, averages: references,
                                        reliabilities: reliabilities, rounds: rounds)
            }
            let described = groups.filter { $0.count > 1 }.map { g in
                g.map(String.init).joined(separator: "+") + String(format: " (D %.2f)", separation[g[0] * classes + g[1]])
            }
            log("  refinement: merging " + described.joined(separator: ", ") +
                "; the rest stay apart (D >= \(options.mergeSeparation))")
            let before = averages.counts
            var newLabel = [Int32](repeating: 0, count: classes)
            for (g, members) in groups.enumerated() { for c in members { newLabel[c] = Int32(g) } }
            for i in 0..<n { labels[i] = newLabel[Int(labels[i])] }
            classes = groups.count
            // The largest class of a group stands for it until the next round re-averages all its members.
            references = groups.map { members in references[members.max { before[$0] < before[$1] }!] }
        }
    }

    /// (K, K) separation of classes a and b as their members see it: for the members of a, d_i = s_ia - s_ib
    /// (score under a's average minus under b's; positive, since they chose a), likewise for b's members with the
    /// roles swapped; separation = (mean_a d + mean_b d) / sqrt((var_a d + var_b d) / 2) (Ashman's D). Two averages
    /// of one structure leave d to the noise: members split by its sign and D stays near 2.7 (two halves of one
    /// normal); two structures give two modes far apart. Collective (one allreduce).
    static func separations(_ scores: [PoseMatch], labels: [Int32], classes k: Int,
                            comm: Communicator) throws -> [Double] {
        var stats = [Double](repeating: 0, count: k * k * 3)   // (a, b): count, sum d, sum d^2 over a's members
        for (i, l) in labels.enumerated() where l >= 0 {
            let a = Int(l)
            for b in 0..<k where b != a {
                let d = Double(scores[i * k + a].score) - Double(scores[i * k + b].score)
                let o = (a * k + b) * 3
                stats[o] += 1; stats[o + 1] += d; stats[o + 2] += d * d
            }
        }
        try comm.allreduce(&stats, .sum)
        var out = [Double](repeating: .infinity, count: k * k)
        func moments(_ a: Int, _ b: Int) -> (mean: Double, variance: Double)? {
            let o = (a * k + b) * 3, n = stats[o]
            guard n >= 2 else { return nil }
            let m = stats[o + 1] / n
            return (m, max(stats[o + 2] / n - m * m, 0))
        }
        for a in 0..<k { for b in 0..<k where a != b {
            guard let x = moments(a, b), let y = moments(b, a) else { out[a * k + b] = 0; continue }
            let spread = ((x.variance + y.variance) / 2).squareRoot()
            out[a * k + b] = spread > 0 ? (x.mean + y.mean) / spread : .infinity
        } }
        return out
    }

    /// Groups after merging pairs of classes with separation below `threshold`, least separated first, each class
    /// in at most one merge per call (no chains: a merged class is re-averaged and tested again).
    static func mergePairs(_ separation: [Double], classes k: Int, threshold: Double) -> [[Int]] {
        var pairs: [(Double, Int, Int)] = []
        for a in 0..<k { for b in (a + 1)..<max(k, a + 1) where separation[a * k + b] < threshold {
            pairs.append((separation[a * k + b], a, b))
        } }
        pairs.sort { $0.0 < $1.0 }
        var partner = Array(0..<k)
        var used = Set<Int>()
        for (_, a, b) in pairs where !used.contains(a) && !used.contains(b) {
            partner[b] = a
            used.insert(a); used.insert(b)
        }
        var groups: [Int: [Int]] = [:]
        for c in 0..<k { groups[partner[c], default: []].append(c) }
        return groups.keys.sorted().map { groups[$0]! }
    }

    /// Keeps only the classes `kept` (renumbered in order; every label must already be one of them) and re-averages.
    static func keep(_ kept: [Int], labels: [Int32], references: [[Float]], particles: [Float], firstRow: Int,
                     voxels v: Int, threads: Int, matches: [PoseMatch], search: PoseSearch,
                     comm: Communicator) throws -> ([Int32], [[Float]], ClassAverages, Int) {
        var map = [Int32](repeating: -1, count: references.count)
        for (j, c) in kept.enumerated() { map[c] = Int32(j) }
        let relabelled = labels.map { map[Int($0)] }
        let averages = try ClassAverages(particles: particles, count: relabelled.count, firstRow: firstRow,
                                         labels: relabelled, classes: kept.count, voxels: v, threads: threads,
                                         align: { i in search.aligned(Array(particles[(i * v)..<((i + 1) * v)]),
                                                                      match: matches[i]) }, comm: comm)
        return (relabelled, kept.map { references[$0] }, averages, kept.count)
    }
}
