import ArgumentParser
import DiscaCore

struct SimulateCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a labelled synthetic subtomogram set (built-in phantoms or density maps) with known truth.")

    @Option(help: "Output HDF5 file (/subtomograms, /labels_true).") var output: String
    @Option(parsing: .upToNextOption, help: "Density maps (MRC), one class per map; default: built-in phantoms.")
    var structures: [String] = []
    @Option(help: "Subtomograms per class.") var perClass: Int = 100
    @Option(help: "Box size D (voxels per side).") var box: Int = 24
    @Option(help: "Voxel size in angstrom (default 13.33, or chosen to fit the box).") var voxelSize: Double?
    @Option(help: "Signal-to-noise ratio (signal variance over noise variance).") var snr: Double = 0.1
    @Option(help: "Tilt range in degrees (+-DEG about y, beam along z).") var tilt: Double = 60
    @Option(help: "Random seed.") var seed: Int = 0
    @Option(help: "Write a PNG montage of central slices per class.") var montage: String?

    func execute(_ context: RunContext) throws {
        try context.notBuiltYet("simulate", issue: "issue 3")
    }
}
