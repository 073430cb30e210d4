import ArgumentParser
import DiscaCore
import DiscaIO
import DiscaSimulation
import DiscaStats
import DiscaTomography
import Foundation

/// `disca evaluate-picks`: picks and classes against the truth of a simulated tomogram (a measuring tool: the only
/// reader of the truth STAR besides the tests). Picks are matched one to one to true particles closer than half the
/// particle diameter; with a result, each extracted particle that matches a true one is scored by the class it got.
struct EvaluatePicksCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-picks",
        abstract: "Recall and precision of picks against a simulated tomogram's truth, and the purity of their classes.",
        discussion: """
            Classes: for each class the true complex most of its matched members are; 'dominated' is the fraction \
            of matched true particles whose class is dominated by their own complex. Homogeneity and the rest are \
            over the matched particles (`disca evaluate`).
            """)

    @Option(help: "Ground truth STAR from `disca simulate-tomogram` (rlnClassNumber = true class).") var truth: String
    @Option(help: "Picks to score (any format `disca extract` reads).") var picks: String?
    @Option(parsing: .upToNextOption, help: "The tomograms (MRC) the STAR files refer to.") var tomograms: [String]
    @Option(help: "Particle diameter in angstrom (a pick within half of it is a hit).") var particleDiameterAngstrom: Double
    @Option(help: "Particles file of the extracted picks (with --result).") var input: String?
    @Option(help: "result.h5 of a run on --input.") var result: String?
    @Option(help: "Folder of class maps from `disca average` (class_NNN_aligned.mrc, else class_NNN.mrc).") var classMaps: String?
    @Option(parsing: .upToNextOption, help: "The true density maps (MRC), to compare the class maps with.")
    var structures: [String] = []
    @Option(help: "Rotations searched when comparing a class map with a structure.") var rotations: Int = 2000
    @Flag(help: "One JSON object instead of lines.") var json = false

    func validate() throws {
        if !(particleDiameterAngstrom > 0) { throw ValidationError("--particle-diameter-angstrom must be positive") }
        if (input == nil) != (result == nil) { throw ValidationError("give --input and --result together") }
        if picks == nil && input == nil && classMaps == nil {
            throw ValidationError("give --picks, or --input with --result, or --class-maps with --structures")
        }
        if (classMaps == nil) != structures.isEmpty { throw ValidationError("give --class-maps and --structures together") }
    }

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        var lines: [String] = []
        var object: [String: Any] = [:]
        let error: Error? = comm.rank == 0 ? catching {
            let descriptions = try TomogramFiles.describe(tomograms, try tomograms.map { try MRCVolumeReader.open($0) },
                                                          requireCommonVoxelSize: false)
            let truthPicks = try ParticlePicks.read(truth, tomograms: descriptions)
            guard let document = truthPicks.document, let block = document.block(truthPicks.particleBlock ?? "particles") else {
                throw DiscaError.badInput("\(truth): a STAR truth table is needed")
            }
            let trueClass = try truthPicks.picks.map { pick -> Int in
                let c = try block.int(column: "rlnClassNumber", row: pick.row)
                guard c >= 1 else {
                    throw DiscaError.badInput("\(truth): row \(pick.row + 1): rlnClassNumber = \(c), expected a class from 1")
                }
                return c - 1
            }
            func matched(_ positions: [VoxelPosition], _ tomogram: [Int]) -> [Int?] {
                var out = [Int?](repeating: nil, count: positions.count)
                for (t, d) in descriptions.enumerated() {
                    let mine = positions.indices.filter { tomogram[$0] == t }
                    let truthIndex = truthPicks.picks.indices.filter { truthPicks.picks[$0].tomogramIndex == t }
                    let m = PickMatching.match(
                        picks: mine.map { positions[$0] },
                        truth: truthIndex.map { VoxelPosition(x: truthPicks.picks[$0].x, y: truthPicks.picks[$0].y, z: truthPicks.picks[$0].z) },
                        maximumDistance: particleDiameterAngstrom / 2 / d.voxelSizeAngstrom, sizeVoxels: d.sizeVoxels)
                    for (k, j) in m.enumerated() { out[mine[k]] = j.map { truthIndex[$0] } }
                }
                return out
            }
            object["true_particles"] = truthPicks.picks.count
            if let picks {
                let read = try ParticlePicks.read(picks, tomograms: descriptions)
                let m = matched(read.picks.map { VoxelPosition(x: $0.x, y: $0.y, z: $0.z) }, read.picks.map(\.tomogramIndex))
                let hits = m.compactMap { $0 }.count
                let recall = Double(hits) / Double(max(1, truthPicks.picks.count))
                let precision = Double(hits) / Double(max(1, read.picks.count))
                object["picks"] = read.picks.count; object["recall"] = recall; object["precision"] = precision
                lines.append("picks                 \(read.picks.count) (true particles: \(truthPicks.picks.count))")
                lines.append(String(format: "recall                %.4f  (true particles with a pick within %.0f A)", recall,
                                    particleDiameterAngstrom / 2))
                lines.append(String(format: "precision             %.4f  (picks on a true particle)", precision))
                // Recall per true complex.
                let k = (trueClass.max() ?? -1) + 1
                var found = [Int](repeating: 0, count: k), total = found
                for c in trueClass { total[c] += 1 }
                for j in m.compactMap({ $0 }) { found[trueClass[j]] += 1 }
                lines.append("recall per complex    " + (0..<k).map { String(format: "%d/%d", found[$0], total[$0]) }.joined(separator: " "))
                object["recall_per_class"] = (0..<k).map { Double(found[$0]) / Double(max(1, total[$0])) }
            }
            if let input, let result {
                let provenance = try ParticlesProvenance.read(input)
                let (labels, classes) = try ResultLabels.read(result, expectedCount: provenance.count, particles: input)
                let m = matched(provenance.positions, provenance.tomogramIndex)
                let pairs = m.indices.compactMap { i in m[i].map { (labels[i], trueClass[$0]) } }
                let metrics = ClusteringMetrics.compute(predicted: pairs.map(\.0), truth: pairs.map(\.1))
                let k = (trueClass.max() ?? -1) + 1
                var counts = [[Int]](repeating: [Int](repeating: 0, count: k), count: classes)
                for (p, t) in pairs { counts[p][t] += 1 }
                let dominant = counts.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 }
                let dominated = Double(pairs.filter { dominant[$0.0] == $0.1 }.count) / Double(max(1, pairs.count))
                object["matched_extracted"] = pairs.count; object["classes"] = classes
                object["dominated"] = dominated; object["homogeneity"] = metrics.homogeneity
                object["completeness"] = metrics.completeness; object["v_measure"] = metrics.vMeasure
                lines.append("extracted, matched    \(pairs.count) of \(provenance.count)")
                lines.append("classes               \(classes) (true complexes: \(k))")
                lines.append(String(format: "dominated             %.4f  (matched particles whose class is mostly their complex)", dominated))
                lines.append(String(format: "homogeneity           %.4f", metrics.homogeneity))
                lines.append(String(format: "completeness          %.4f", metrics.completeness))
                lines.append(String(format: "V-measure             %.4f", metrics.vMeasure))
                for c in 0..<classes {
                    lines.append("class \(c + 1)               " + counts[c].map(String.init).joined(separator: " ")
                                 + "  (members per true complex)")
                }
            }
            if let classMaps {
                let (names, correlations) = try compareMaps(classMaps)
                object["map_correlations"] = correlations
                object["structures"] = names
                lines.append("class map correlation with each structure (best rotation; " + names.joined(separator: ", ") + ")")
                for (c, row) in correlations.enumerated() {
                    let best = row.indices.max { row[$0] < row[$1] } ?? 0
                    lines.append("class \(c + 1)               " + row.map { String(format: "%.3f", $0) }.joined(separator: " ")
                                 + "  best: \(names[best])")
                }
            }
        } : nil
        try comm.agree(error)
        if json {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            context.say(String(decoding: data, as: UTF8.self))
        } else {
            lines.forEach(context.say)
        }
    }

    /// Correlation of each class map of `folder` with each structure (`MapComparison`).
    func compareMaps(_ folder: String) throws -> (names: [String], correlations: [[Double]]) {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        let plain = files.filter { $0.hasPrefix("class_") && $0.hasSuffix(".mrc") && !$0.contains("aligned") }
        guard !plain.isEmpty else { throw DiscaError.badInput("\(folder): no class_NNN.mrc maps (written by `disca average`)") }
        let maps = try plain.map { name -> MRCMap in
            let aligned = String(name.dropLast(4)) + "_aligned.mrc"
            return try MRCFile.read(URL(fileURLWithPath: folder).appendingPathComponent(files.contains(aligned) ? aligned : name).path)
        }
        let sources = try structures.map { try ClassSource.mrc($0) }
        var correlations: [[Double]] = []
        let comparison = MapComparison(rotations: rotations)
        for map in maps {
            guard let voxel = map.isotropicVoxelSizeAngstrom, map.depth == map.width, map.height == map.width else {
                throw DiscaError.badInput("class map \(map.header.labels.first ?? ""): not a cube with isotropic voxels")
            }
            var parameters = ImagingParameters()
            parameters.voxelSizeAngstrom = voxel
            parameters.box = map.width
            correlations.append(sources.map { comparison.correlation(map: map.data, box: map.width, structure: $0.prepare(parameters)).correlation })
        }
        return (sources.map(\.name), correlations)
    }
}
