import ArgumentParser
import DiscaCore
import DiscaIO
import DiscaTomography
import Foundation

/// `disca export`: the classes back to RELION 5, M or Warp as STAR files (docs/interfaces.md).
///
/// The input STAR passes through unchanged (every block, every column, its coordinate convention) except that its
/// particle loop keeps only the rows that were extracted, in their original order, with rlnClassNumber (1-based)
/// added or replaced: `particles.star` holds every class, `class_NNN.star` one each. Plain .coords picks give the
/// same as RELION 3-style STAR files and `class_NNN.coords`. `summary.txt` lists the class sizes.
struct ExportCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the classes of a run as STAR files (the input picks with rlnClassNumber), one per class.")

    @Option(help: "result.h5 of a run (or its run directory).") var result: String
    @Option(help: "The particles file the run classified (written by `disca extract`).") var input: String
    @Option(help: "Folder for the STAR files (created; must be empty unless --force).") var outputDir: String
    @Flag(help: "Write into a folder that is not empty, replacing files of the same names.") var force = false

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let inputs = [result, input]
        try comm.collectively { try OutputGuard.prepareFolder(outputDir, inputs: inputs, force: force) }
        var report: [String] = []
        let error: Error? = comm.rank == 0 ? catching {
            let provenance = try ParticlesProvenance.read(input)
            let (labels, k) = try ResultLabels.read(result, expectedCount: provenance.count, particles: input)
            let picks = try provenance.picks()
            // Original order of the rows that were extracted.
            let order = (0..<provenance.count).sorted { provenance.sourceRow[$0] < provenance.sourceRow[$1] }
            let rows = order.map { provenance.sourceRow[$0] }
            let classes = order.map { labels[$0] }
            try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
            let folder = URL(fileURLWithPath: outputDir)
            // With --force into an earlier export: its class files go, so none of another run is left beside ours.
            for name in try FileManager.default.contentsOfDirectory(atPath: outputDir)
            where name.hasPrefix("class_") && (name.hasSuffix(".star") || name.hasSuffix(".coords")) {
                try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
            func write(_ document: STARDocument, _ name: String) throws {
                let path = folder.appendingPathComponent(name).path
                try document.write(to: path + ".tmp")
                if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
                try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
            }
            try write(try picks.document(addingColumn: "rlnClassNumber", values: classes.map { String($0 + 1) },
                                         rows: rows, tomograms: provenance.tomograms), "particles.star")
            var sizes = [Int](repeating: 0, count: k)
            for c in classes { sizes[c] += 1 }
            for c in 0..<k where sizes[c] > 0 {
                let mine = classes.indices.filter { classes[$0] == c }
                try write(try picks.document(addingColumn: "rlnClassNumber", values: mine.map { _ in String(c + 1) },
                                             rows: mine.map { rows[$0] }, tomograms: provenance.tomograms),
                          String(format: "class_%03d.star", c + 1))
                if provenance.convention == .plainCoordinates {
                    let lines = order.indices.filter { classes[$0] == c }.map { i -> String in
                        let q = provenance.positions[order[i]]
                        return String(format: "%.3f %.3f %.3f", q.x, q.y, q.z)
                    }
                    try (lines.joined(separator: "\n") + "\n").write(
                        to: folder.appendingPathComponent(String(format: "class_%03d.coords", c + 1)), atomically: true,
                        encoding: .utf8)
                }
            }
            var summary = ["# disca \(Disca.version) export: \(result) on \(input)",
                           "# picks: \(provenance.coordinatesFile) (\(provenance.convention.rawValue)); "
                           + "\(provenance.count) classified", "class\tcount\tfraction"]
            for c in 0..<k {
                summary.append("\(c + 1)\t\(sizes[c])\t" + String(format: "%.4f", Double(sizes[c]) / Double(max(1, provenance.count))))
            }
            try (summary.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("summary.txt"),
                                                             atomically: true, encoding: .utf8)
            report = ["export: \(provenance.count) particles in \(sizes.filter { $0 > 0 }.count) classes "
                      + "(\(sizes.map(String.init).joined(separator: " "))) -> \(outputDir)/particles.star and "
                      + "class_NNN.star (\(provenance.convention.rawValue) convention, as the input)"]
        } : nil
        try comm.agree(error)
        report.forEach(context.say)
    }
}
