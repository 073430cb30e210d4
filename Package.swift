// swift-tools-version:6.0
// disca: template-free subtomogram classification (DISCA, Zeng et al. PNAS 2023) on MPI, parallel HDF5 and OpenBLAS.
import PackageDescription

let package = Package(
    name: "disca",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "disca", targets: ["disca"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // MARK: - C shims over the native libraries (macros Swift cannot import become static inline functions)
        .systemLibrary(name: "_CMPI", path: "Sources/_CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "_CHDF5", path: "Sources/_CHDF5", pkgConfig: "hdf5-openmpi",
                       providers: [.apt(["libhdf5-openmpi-dev"])]),
        .systemLibrary(name: "_COpenBLAS", path: "Sources/_COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        // MARK: - Foundation: errors, the communicator protocol, random streams, configuration
        .target(name: "DiscaCore", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),
        .target(name: "DiscaMPI", dependencies: ["DiscaCore", "_CMPI"]),

        // MARK: - Numerics: BLAS/LAPACK wrappers and dense linear algebra
        .target(name: "DiscaNumerics", dependencies: ["DiscaCore", "_COpenBLAS"]),

        // MARK: - I/O: parallel HDF5, MRC2014, PNG
        .target(name: "DiscaIO", dependencies: ["DiscaCore", "DiscaMPI", "_CHDF5", "_CMPI"]),

        // MARK: - Geometry: volumes, rotations, interpolation, FFT, the missing wedge
        .target(name: "DiscaGeometry", dependencies: ["DiscaCore"]),

        // MARK: - The YOPO network (layers, model, Nadam)
        .target(name: "DiscaNetwork", dependencies: ["DiscaCore", "DiscaNumerics"]),

        // MARK: - Statistics: PCA, Gaussian mixtures, BIC, Hungarian, DDBI, clustering metrics
        .target(name: "DiscaStats", dependencies: ["DiscaCore", "DiscaNumerics"]),

        // MARK: - Simulated subtomograms with known truth
        .target(name: "DiscaSimulation", dependencies: ["DiscaCore", "DiscaGeometry", "DiscaNumerics", "DiscaIO"]),

        // MARK: - Multi-reference alignment: class averages, poses, reassignment, merging
        .target(name: "DiscaAlignment", dependencies: ["DiscaCore", "DiscaGeometry", "DiscaNumerics"]),

        // MARK: - Tomograms: simulated tomograms, picking, extraction, export to STAR, class maps, re-embedding
        .target(name: "DiscaTomography",
                dependencies: ["DiscaCore", "DiscaIO", "DiscaGeometry", "DiscaNumerics", "DiscaSimulation",
                               "DiscaAlignment"]),

        // MARK: - The distributed EM loop
        .target(name: "DiscaTraining",
                dependencies: ["DiscaCore", "DiscaMPI", "DiscaIO", "DiscaNumerics", "DiscaNetwork", "DiscaStats",
                               "DiscaGeometry", "DiscaAlignment"]),

        // MARK: - The executable
        .executableTarget(name: "disca",
                          dependencies: ["DiscaCore", "DiscaMPI", "DiscaIO", "DiscaNumerics", "DiscaNetwork",
                                         "DiscaStats", "DiscaGeometry", "DiscaAlignment", "DiscaSimulation", "DiscaTraining",
                                         "DiscaTomography",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // MARK: - Tests
        .target(name: "_TestSupport", dependencies: ["DiscaCore", "DiscaIO"], path: "Sources/_TestSupport"),
        .testTarget(name: "DiscaCoreTests", dependencies: ["DiscaCore", "_TestSupport"]),
        .testTarget(name: "DiscaIOTests", dependencies: ["DiscaIO", "DiscaMPI", "_TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "DiscaNetworkTests", dependencies: ["DiscaNetwork", "_TestSupport"]),
        .testTarget(name: "DiscaStatsTests", dependencies: ["DiscaStats", "DiscaNumerics", "_TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "DiscaGeometryTests", dependencies: ["DiscaGeometry", "_TestSupport"]),
        .testTarget(name: "DiscaAlignmentTests", dependencies: ["DiscaAlignment", "DiscaGeometry", "_TestSupport"]),
        .testTarget(name: "DiscaSimulationTests", dependencies: ["DiscaSimulation", "DiscaGeometry", "DiscaIO", "_TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "DiscaTrainingTests", dependencies: ["DiscaTraining", "DiscaNetwork", "DiscaIO", "_TestSupport"]),
        .testTarget(name: "DiscaTomographyTests",
                    dependencies: ["DiscaTomography", "DiscaIO", "DiscaGeometry", "DiscaSimulation", "_TestSupport"]),
        .testTarget(name: "DiscaCLITests", dependencies: ["_TestSupport", "DiscaIO", "DiscaCore"]),
    ],
    // Swift 5 language mode: the numerical code shares buffers across threads deliberately; Sendable checking
    // would add noise without catching real races here (MPI is funneled through the main thread).
    swiftLanguageModes: [.v5]
)
