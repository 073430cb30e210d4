import DiscaCore
@testable import DiscaIO
import Foundation
import XCTest

/// MRC2014 as tomograms need it: every supported mode against the Python `mrcfile` package (an independent
/// implementation, run in-process through `python3 -c`; skipped where python3 with mrcfile and numpy is missing),
/// float16 from hand-built headers, slab reads, header-only validation errors, and the int8 and streaming writers.
final class MRCModesTests: XCTestCase {
    // MARK: - Every mode, written by mrcfile

    /// mrcfile writes a 5 x 7 x 3 grid (nx, ny, nz) of random values of each mode and byte order, voxel size 13.7,
    /// origin (12.5, -7.25, 100) and nxstart, nystart, nzstart = 3, -4, 11, then reopens it (permissive=False) and
    /// prints what it reads as JSON; disca must read the same values, shape, voxel size, origin and start.
    func testEveryModeWrittenByMrcfileReadsAsMrcfileReadsIt() throws {
        try skipWithoutMrcfile()
        let dir = try makeTemporaryFolder(self)
        let script = """
        import json, sys, numpy as np, mrcfile
        folder = sys.argv[1]
        rng = np.random.default_rng(20240607)
        shape = (3, 7, 5)
        out = []
        for name, order in [("int8", "<"), ("int16", "<"), ("float32", "<"), ("uint16", "<"), ("float16", "<"),
                            ("int16", ">"), ("float32", ">"), ("uint16", ">"), ("float16", ">")]:
            dt = np.dtype(name)
            if dt.kind in "iu":
                info = np.iinfo(dt)
                a = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dt)
                a.flat[0], a.flat[1] = info.min, info.max
            else:
                a = (rng.standard_normal(shape) * 300).astype(dt)
                if name == "float16":
                    a.flat[0], a.flat[1], a.flat[2] = 3e-6, -65504, 2.0 ** -24   # subnormal, lowest, tiniest
            path = "%s/%s_%s.mrc" % (folder, name, "be" if order == ">" else "le")
            with mrcfile.new(path, overwrite=True) as m:
                m.set_data(a.astype(dt.newbyteorder(order)))
                m.voxel_size = 13.7
                m.header.origin = (12.5, -7.25, 100.0)
                m.header.nxstart, m.header.nystart, m.header.nzstart = 3, -4, 11
            with mrcfile.open(path, permissive=False) as m:
                v = m.voxel_size
                out.append(dict(path=path, mode=int(m.header.mode), bigEndian=m.data.dtype.byteorder == ">",
                                shape=list(m.data.shape), voxel=[float(v.x), float(v.y), float(v.z)],
                                origin=[float(m.header.origin.x), float(m.header.origin.y), float(m.header.origin.z)],
                                start=[int(m.header.nxstart), int(m.header.nystart), int(m.header.nzstart)],
                                data=m.data.astype(np.float64).ravel().tolist()))
        print(json.dumps(out))
        """
        let maps = try JSONDecoder().decode([PythonMap].self, from: try runPython(script, [dir.path]))
        XCTAssertEqual(maps.map(\.mode), [0, 1, 2, 6, 12, 1, 2, 6, 12])
        XCTAssertEqual(maps.map(\.bigEndian), [false, false, false, false, false, true, true, true, true])
        for expected in maps {
            let name = URL(fileURLWithPath: expected.path).lastPathComponent
            let map = try MRCFile.read(expected.path)
            XCTAssertEqual(map.header.mode, expected.mode, name)
            XCTAssertEqual(map.bigEndian, expected.bigEndian, name)
            XCTAssertEqual(map.shape, expected.shape, name)
            XCTAssertEqual(map.data, expected.data.map { Float($0) }, name)
            XCTAssertEqual(map.voxelSizeAngstrom.x, expected.voxel[0], accuracy: 1e-5, name)
            XCTAssertEqual(map.voxelSizeAngstrom.y, expected.voxel[1], accuracy: 1e-5, name)
            XCTAssertEqual(map.voxelSizeAngstrom.z, expected.voxel[2], accuracy: 1e-5, name)
            XCTAssertEqual([map.originAngstrom.x, map.originAngstrom.y, map.originAngstrom.z], expected.origin, name)
            XCTAssertEqual([map.startIndex.x, map.startIndex.y, map.startIndex.z], expected.start, name)
            XCTAssertEqual([map.gridOriginAngstrom.x, map.gridOriginAngstrom.y, map.gridOriginAngstrom.z],
                           [12.5, -7.25, 100], name)

            let reader = try MRCVolumeReader.open(expected.path)
            XCTAssertEqual([reader.shape.z, reader.shape.y, reader.shape.x], expected.shape, name)
            XCTAssertEqual(try reader.readSections(0..<3), map.data, name)
            XCTAssertEqual(try reader.readSections(1..<2), Array(map.data[35..<70]), name)
            XCTAssertEqual([reader.originAngstrom.x, reader.originAngstrom.y, reader.originAngstrom.z],
                           expected.origin, name)
            XCTAssertEqual([reader.startIndex.x, reader.startIndex.y, reader.startIndex.z], expected.start, name)
            XCTAssertEqual(reader.voxelSizeAngstrom.y, expected.voxel[1], accuracy: 1e-5, name)
        }
    }

    // MARK: - float16 without Python

    /// Known binary16 patterns and their values: 1, -2, the largest finite, the smallest subnormal, +-infinity,
    /// -0, +0, the largest subnormal, the smallest normal, a fraction with all 10 bits used, and a NaN.
    private let halfPatterns: [(UInt16, Float)] = [
        (0x3C00, 1), (0xC000, -2), (0x7BFF, 65504), (0x0001, 0x1p-24), (0x7C00, .infinity), (0xFC00, -.infinity),
        (0x8000, -0.0), (0x0000, 0), (0x03FF, 1023 * 0x1p-24), (0x0400, 0x1p-14), (0x3555, 0.333251953125),
        (0x7E00, .nan),
    ]

    func testFloat16FromHandBuiltHeadersInBothByteOrders() throws {
        let dir = try makeTemporaryFolder(self)
        for bigEndian in [false, true] {
            let path = dir.appendingPathComponent(bigEndian ? "h_be.mrc" : "h_le.mrc").path
            var bytes = handHeader(nx: 4, ny: 3, nz: 1, mode: 12, bigEndian: bigEndian)
            for (bits, _) in halfPatterns {
                let b = [UInt8(bits & 0xff), UInt8(bits >> 8)]
                bytes += bigEndian ? b.reversed() : b
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let map = try MRCFile.read(path)
            let slab = try MRCVolumeReader.open(path).readSections(0..<1)
            XCTAssertEqual(map.bigEndian, bigEndian)
            XCTAssertEqual(map.shape, [1, 3, 4])
            for (i, (bits, value)) in halfPatterns.enumerated() {
                for got in [map.data[i], slab[i]] {
                    if value.isNaN {
                        XCTAssertTrue(got.isNaN, "0x\(String(bits, radix: 16))")
                    } else {
                        XCTAssertEqual(got.bitPattern, value.bitPattern, "0x\(String(bits, radix: 16)) gave \(got)")
                    }
                }
            }
        }
    }

    /// All 65536 patterns against the platform's own `Float16`, where Swift has one.
    func testFloat16DecodingIsExactForEveryPattern() throws {
        #if !(os(macOS) && arch(x86_64))
        for bits in 0...UInt16.max {
            let want = Float(Float16(bitPattern: bits))
            let got = MRCFloat16.float(fromBits: bits)
            if want.isNaN {
                XCTAssertTrue(got.isNaN, "0x\(String(bits, radix: 16))")
            } else if got.bitPattern != want.bitPattern {
                XCTFail("0x\(String(bits, radix: 16)): \(got) != \(want)"); return
            }
        }
        #else
        throw XCTSkip("Float16 is not available on macOS x86_64")
        #endif
    }

    // MARK: - Slab reads

    func testSlabReadsEqualSlicesOfTheWholeRead() throws {
        let dir = try makeTemporaryFolder(self)
        let path = dir.appendingPathComponent("slab.mrc").path
        let (nx, ny, nz) = (6, 5, 9)
        let data = (0..<(nx * ny * nz)).map { Float($0) * 0.25 - 40 }
        try MRCFile.write(path, data: data, shape: [nz, ny, nx], voxelSizeAngstrom: 7)
        let reader = try MRCVolumeReader.open(path)
        XCTAssertEqual(reader.shape.x, nx); XCTAssertEqual(reader.shape.y, ny); XCTAssertEqual(reader.shape.z, nz)
        XCTAssertEqual(reader.voxelSizeAngstrom.z, 7, accuracy: 1e-6)
        let whole = try MRCFile.read(path).data
        let section = nx * ny
        for range in [0..<1, 8..<9, 2..<5, 0..<9, 3..<8, 4..<4] {
            XCTAssertEqual(try reader.readSections(range), Array(whole[(range.lowerBound * section)..<(range.upperBound * section)]),
                           "\(range)")
        }
        var buffer = [Float](repeating: .nan, count: 2 * section)
        try buffer.withUnsafeMutableBufferPointer { try reader.readSections(7..<9, into: $0) }
        XCTAssertEqual(buffer, Array(whole[(7 * section)...]))

        for bad in [-1..<2, 0..<10, 9..<10] {
            assertBadInput([path, "sections \(bad.lowerBound)..<\(bad.upperBound)", "nz"]) {
                _ = try reader.readSections(bad)
            }
        }
        assertBadInput([path, "buffer of \(2 * section) floats, got \(section)"]) {
            var small = [Float](repeating: 0, count: section)
            try small.withUnsafeMutableBufferPointer { try reader.readSections(0..<2, into: $0) }
        }
    }

    /// The fixtures written by mrcfile (int8, int16 after an extended header, uint16, float32 big-endian).
    func testSlabReadsOfMrcfileFixtures() throws {
        for name in ["float32_6x5x4.mrc", "float32_be_6x5x4.mrc", "int8_6x5x4.mrc", "int16_ext_6x5x4.mrc",
                     "uint16_6x5x4.mrc"] {
            let path = fixturesFolder.appendingPathComponent(name).path
            let whole = try MRCFile.read(path).data
            let reader = try MRCVolumeReader.open(path)
            XCTAssertEqual(try reader.readSections(1..<3), Array(whole[30..<90]), name)
            XCTAssertEqual(try reader.readSections(3..<4), Array(whole[90..<120]), name)
        }
    }

    /// 512 x 512 float32 sections are 1 MiB, so 17 of them take three chunks of `MRCVolumeReader.chunkBytes`.
    func testSlabReadsAcrossChunksOfAStreamedVolume() throws {
        let dir = try makeTemporaryFolder(self)
        let path = dir.appendingPathComponent("big.mrc").path
        let (n, nz) = (512, 17)
        XCTAssertEqual(MRCVolumeReader.chunkBytes / (4 * n * n), 8)
        func value(_ z: Int, _ i: Int) -> Float { Float(z * 1000 + i % 977) - 0.5 }
        let writer = try MRCVolumeWriter.create(path, shape: (n, n, nz), voxelSizeAngstrom: 10)
        for z in 0..<nz { try writer.write(sections: (0..<(n * n)).map { value(z, $0) }) }
        try writer.finish()
        let reader = try MRCVolumeReader.open(path)
        let all = try reader.readSections(0..<nz)
        XCTAssertEqual(all.count, n * n * nz)
        var mismatches = 0
        for z in 0..<nz { for i in 0..<(n * n) where all[z * n * n + i] != value(z, i) { mismatches += 1 } }
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(try reader.readSections(15..<17), Array(all[(15 * n * n)...]))
    }

    /// Columns along Y and rows along X (mapc, mapr, maps = 2, 1, 3) are transposed section by section; sections
    /// not along Z are refused for slab reads but still read whole.
    func testSlabAxisOrders() throws {
        let dir = try makeTemporaryFolder(self)
        var h = MRCHeader()
        h.nx = 3; h.ny = 4; h.nz = 5; h.mode = 2
        h.mx = 4; h.my = 3; h.mz = 5
        h.cellaX = 4; h.cellaY = 3; h.cellaZ = 5
        h.mapc = 2; h.mapr = 1; h.maps = 3
        let storage = (0..<60).map { Float($0 * 3 - 7) }
        let swapped = dir.appendingPathComponent("yx.mrc").path
        try MRCFile.write(swapped, header: h, storageData: storage)
        let map = try MRCFile.read(swapped)
        let reader = try MRCVolumeReader.open(swapped)
        XCTAssertEqual([reader.shape.z, reader.shape.y, reader.shape.x], map.shape)
        XCTAssertEqual(map.shape, [5, 3, 4])
        XCTAssertEqual(try reader.readSections(0..<5), map.data)
        XCTAssertEqual(try reader.readSections(2..<4), Array(map.data[24..<48]))
        // Spatial (z, y, x) = (1, 2, 3) is storage section 1, row x = 3, column y = 2.
        XCTAssertEqual(try reader.readSections(1..<2)[2 * 4 + 3], storage[(1 * 4 + 3) * 3 + 2])

        h.mapc = 3; h.mapr = 1; h.maps = 2
        let permuted = dir.appendingPathComponent("zxy.mrc").path
        try MRCFile.write(permuted, header: h, storageData: storage)
        XCTAssertEqual(try MRCFile.read(permuted).data.count, 60)
        assertBadInput([permuted, "mapc, mapr, maps = 3, 1, 2", "not supported for tomograms"]) {
            _ = try MRCVolumeReader.open(permuted)
        }
    }

    // MARK: - Bad input: the same message from the whole read and the header-only open

    func testBadInputNamesFileAndFieldAlikeForReadAndOpen() throws {
        let dir = try makeTemporaryFolder(self)
        let voxels = [UInt8](repeating: 0, count: 96)                  // 4 x 3 x 2 float32
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        func header(mode: Int32 = 2, nx: Int32 = 4, ny: Int32 = 3, nz: Int32 = 2, nsymbt: Int32 = 0,
                    map: [UInt8] = Array("MAP ".utf8)) -> [UInt8] {
            handHeader(nx: nx, ny: ny, nz: nz, mode: mode, bigEndian: false, map: map, nsymbt: nsymbt)
        }
        let cases: [(String, [UInt8], [String])] = [
            ("mode3.mrc", header(mode: 3) + voxels, ["mode = 3", "complex", "0 int8, 1 int16, 2 float32, 6 uint16, 12 float16"]),
            ("mode4.mrc", header(mode: 4) + voxels, ["mode = 4", "complex", "12 float16"]),
            ("mode7.mrc", header(mode: 7) + voxels, ["mode = 7", "not supported", "12 float16"]),
            ("mode101.mrc", header(mode: 101) + voxels, ["mode = 101", "not supported"]),
            ("nomap.mrc", header(map: [0, 0, 0, 0]) + voxels, ["MAP", "bytes 209-212", "0 0 0 0"]),
            ("ccp4.mrc", header(map: Array("CCP4".utf8)) + voxels, ["MAP", "bytes 209-212"]),
            ("short.mrc", header() + voxels.prefix(50), ["truncated data", "1024 + 96", "file has 1074"]),
            ("ext.mrc", header(nsymbt: 40) + voxels, ["truncated data", "1064 + 96", "file has 1120"]),
            ("head.mrc", Array(header().prefix(100)), ["truncated header", "100 bytes", "1024"]),
            ("nx.mrc", header(nx: 0) + voxels, ["field nx = 0", "positive"]),
            ("ny.mrc", header(ny: -3) + voxels, ["field ny = -3", "positive"]),
            ("nz.mrc", header(nz: 0) + voxels, ["field nz = 0", "positive"]),
            ("nsymbt.mrc", header(nsymbt: -8) + voxels, ["field nsymbt = -8", "negative"]),
        ]
        for (name, bytes, fragments) in cases {
            let path = try file(name, bytes)
            var messages = [String]()
            assertBadInput([path] + fragments) {
                do { _ = try MRCFile.read(path) } catch DiscaError.badInput(let m) { messages.append(m); throw DiscaError.badInput(m) }
            }
            assertBadInput([path] + fragments) {
                do { _ = try MRCVolumeReader.open(path) } catch DiscaError.badInput(let m) { messages.append(m); throw DiscaError.badInput(m) }
            }
            XCTAssertEqual(messages.count, 2, name)
            if messages.count == 2 { XCTAssertEqual(messages[0], messages[1], name) }
            XCTAssertFalse(messages.contains { $0.contains("\n") }, name)
        }
        // "MAP" with a NUL instead of the space passes, as in mrcfile (it checks the first three bytes).
        let nul = try file("mapnul.mrc", header(map: [0x4D, 0x41, 0x50, 0]) + voxels)
        XCTAssertEqual(try MRCFile.read(nul).data, [Float](repeating: 0, count: 24))
        XCTAssertEqual(try MRCVolumeReader.open(nul).shape.x, 4)
    }

    // MARK: - Writers, read back by disca and by mrcfile

    func testInt8WriterRoundsAndClampsAndMrcfileReadsIt() throws {
        let dir = try makeTemporaryFolder(self)
        let path = dir.appendingPathComponent("labels.mrc").path
        let special: [(Float, Float)] = [(-200.4, -128), (-128.5, -128), (-127.5, -128), (-0.5, -1), (0.49, 0),
                                         (0.5, 1), (1.5, 2), (126.6, 127), (127.4, 127), (300, 127), (-3, -3)]
        let count = 5 * 7 * 3
        var input = special.map(\.0), expected = special.map(\.1)
        for i in special.count..<count { input.append(Float(i % 37 - 18)); expected.append(Float(i % 37 - 18)) }
        try MRCFile.write(path, data: input, shape: [3, 7, 5], voxelSizeAngstrom: 13.7, originAngstrom: (1, -2, 3),
                          mode: .int8)
        let map = try MRCFile.read(path)
        XCTAssertEqual(map.header.mode, 0)
        XCTAssertEqual(map.data, expected)
        let stats = MRCFile.statistics(expected)
        XCTAssertEqual(map.header.dmin, -128); XCTAssertEqual(map.header.dmax, 127)
        XCTAssertEqual(map.header.dmean, stats.mean); XCTAssertEqual(map.header.rms, stats.rms)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).count, 1024 + count)
        assertBadInput([path, "NaN", "int8"]) {
            try MRCFile.write(path, data: [1, .nan, 3, 4], shape: [1, 2, 2], voxelSizeAngstrom: 1, mode: .int8)
        }
        XCTAssertEqual(try MRCFile.read(path).data, expected)         // the failed write left the old file whole

        try skipWithoutMrcfile()
        let py = try mrcfileView(path)
        XCTAssertTrue(py.valid, py.report)
        XCTAssertEqual(py.mode, 0)
        XCTAssertEqual(py.shape, [3, 7, 5])
        XCTAssertEqual(py.data.map { Float($0) }, expected)
        XCTAssertEqual(py.voxel[0], 13.7, accuracy: 1e-5); XCTAssertEqual(py.voxel[2], 13.7, accuracy: 1e-5)
        XCTAssertEqual(py.origin, [1, -2, 3])
        XCTAssertEqual(py.header, [map.header.dmin, map.header.dmax, map.header.dmean, map.header.rms].map(Double.init))
        XCTAssertEqual(py.numpy[0], -128); XCTAssertEqual(py.numpy[1], 127)
        XCTAssertEqual(py.numpy[2], Double(stats.mean), accuracy: 1e-5)
        XCTAssertEqual(py.numpy[3], Double(stats.rms), accuracy: 1e-4)
    }

    func testStreamingWriterMatchesAWholeWriteAndMrcfileReadsIt() throws {
        let dir = try makeTemporaryFolder(self)
        let (nx, ny, nz) = (6, 5, 8)
        let data = (0..<(nx * ny * nz)).map { i in Float(sin(Double(i) * 0.37) * 50 + Double(i % 11)) }
        for mode in MRCWriteMode.allCases {
            let path = dir.appendingPathComponent("stream\(mode.rawValue).mrc").path
            let writer = try MRCVolumeWriter.create(path, shape: (nx, ny, nz), voxelSizeAngstrom: 13.7, mode: mode,
                                                    originAngstrom: (4, 5, -6), labels: ["streamed"])
            XCTAssertTrue(FileManager.default.fileExists(atPath: path + ".tmp"))
            XCTAssertFalse(FileManager.default.fileExists(atPath: path))
            for z in [0..<3, 3..<6, 6..<8] {
                try writer.write(sections: Array(data[(z.lowerBound * nx * ny)..<(z.upperBound * nx * ny)]))
            }
            XCTAssertEqual(writer.sectionsWritten, nz)
            try writer.finish()
            XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))

            let stored = data.map { mode == .int8 ? min(127, max(-128, $0.rounded())) : $0 }
            let whole = dir.appendingPathComponent("whole\(mode.rawValue).mrc").path
            try MRCFile.write(whole, data: data, shape: [nz, ny, nx], voxelSizeAngstrom: 13.7,
                              originAngstrom: (4, 5, -6), labels: ["streamed"], mode: mode)
            let map = try MRCFile.read(path), reference = try MRCFile.read(whole)
            XCTAssertEqual(map.data, stored)
            XCTAssertEqual(map.shape, [nz, ny, nx])
            XCTAssertEqual(map.header.labels, ["streamed"])
            XCTAssertEqual(map.originAngstrom.z, -6)
            let s = MRCFile.statistics(stored)
            XCTAssertEqual(map.header.dmin, s.min); XCTAssertEqual(map.header.dmax, s.max)
            XCTAssertEqual(map.header.dmean, s.mean, accuracy: 1e-5 * max(1, abs(s.mean)))
            XCTAssertEqual(map.header.rms, s.rms, accuracy: 1e-5 * s.rms)
            XCTAssertEqual(reference.data, map.data)
            XCTAssertEqual(reference.header.dmean, map.header.dmean, accuracy: 1e-5 * max(1, abs(s.mean)))

            guard pythonHasMrcfile else { continue }
            let py = try mrcfileView(path)
            XCTAssertTrue(py.valid, py.report)
            XCTAssertEqual(py.mode, mode.rawValue)
            XCTAssertEqual(py.shape, [nz, ny, nx])
            XCTAssertEqual(py.data.map { Float($0) }, stored)
            XCTAssertEqual(py.voxel[1], 13.7, accuracy: 1e-5)
            XCTAssertEqual(py.origin, [4, 5, -6])
            XCTAssertEqual(py.header, [map.header.dmin, map.header.dmax, map.header.dmean, map.header.rms].map(Double.init))
            XCTAssertEqual(py.numpy[0], Double(s.min)); XCTAssertEqual(py.numpy[1], Double(s.max))
            XCTAssertEqual(py.numpy[2], Double(s.mean), accuracy: 1e-4 * max(1, abs(Double(s.mean))))
            XCTAssertEqual(py.numpy[3], Double(s.rms), accuracy: 1e-4 * Double(s.rms))
        }
        if !pythonHasMrcfile { throw XCTSkip("python3 with mrcfile and numpy not available (disca checks passed)") }
    }

    func testStreamingWriterNeverLeavesAHalfWrittenFile() throws {
        let dir = try makeTemporaryFolder(self)
        let path = dir.appendingPathComponent("v.mrc").path
        let exists = { (p: String) in FileManager.default.fileExists(atPath: p) }
        let section = [Float](repeating: 2, count: 12)

        var w = try MRCVolumeWriter.create(path, shape: (4, 3, 2), voxelSizeAngstrom: 1)
        try w.write(sections: section)
        assertBadInput([path, "finish() after 1 of nz = 2 sections"]) { try w.finish() }
        XCTAssertFalse(exists(path)); XCTAssertFalse(exists(path + ".tmp"))
        assertBadInput([path, "finished or was abandoned"]) { try w.write(sections: section) }

        w = try MRCVolumeWriter.create(path, shape: (4, 3, 2), voxelSizeAngstrom: 1)
        assertBadInput([path, "got 5 voxels", "4 x 3"]) { try w.write(sections: [1, 2, 3, 4, 5]) }
        XCTAssertFalse(exists(path + ".tmp"))

        w = try MRCVolumeWriter.create(path, shape: (4, 3, 2), voxelSizeAngstrom: 1)
        assertBadInput([path, "exceed nz = 2"]) { try w.write(sections: section + section + section) }

        // An existing file under the final name stays whole while a new one is written and then abandoned.
        try MRCFile.write(path, data: section, shape: [1, 3, 4], voxelSizeAngstrom: 1)
        w = try MRCVolumeWriter.create(path, shape: (4, 3, 2), voxelSizeAngstrom: 1)
        try w.write(sections: [Float](repeating: 9, count: 12))
        w.cancel()
        XCTAssertFalse(exists(path + ".tmp"))
        XCTAssertEqual(try MRCFile.read(path).data, section)

        // Dropping an unfinished writer removes its temporary file too.
        do {
            let dropped = try MRCVolumeWriter.create(path, shape: (4, 3, 2), voxelSizeAngstrom: 1)
            try dropped.write(sections: section)
            withExtendedLifetime(dropped) { XCTAssertTrue(exists(path + ".tmp")) }
        }
        XCTAssertFalse(exists(path + ".tmp"))
        XCTAssertEqual(try MRCFile.read(path).data, section)

        assertBadInput(["shape 0 x 3 x 2"]) { _ = try MRCVolumeWriter.create(path, shape: (0, 3, 2), voxelSizeAngstrom: 1) }
        assertBadInput(["voxel size"]) { _ = try MRCVolumeWriter.create(path, shape: (1, 3, 2), voxelSizeAngstrom: -1) }
        XCTAssertThrowsError(try MRCVolumeWriter.create(dir.appendingPathComponent("no/such/dir.mrc").path,
                                                        shape: (1, 1, 1), voxelSizeAngstrom: 1)) { error in
            XCTAssertTrue("\(error)".contains("open failed"), "\(error)")
        }
    }

    // MARK: - Helpers

    /// A 1024-byte header written word by word in the chosen byte order: sizes, mode, sampling = sizes, cell =
    /// 2 A per voxel, axes, nsymbt, the MAP field and the machine stamp; everything else zero.
    private func handHeader(nx: Int32, ny: Int32, nz: Int32, mode: Int32, bigEndian: Bool,
                            map: [UInt8] = Array("MAP ".utf8), nsymbt: Int32 = 0) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 1024)
        func put(_ word: Int, _ u: UInt32) {
            let bytes = [UInt8(u & 0xff), UInt8(u >> 8 & 0xff), UInt8(u >> 16 & 0xff), UInt8(u >> 24)]
            b.replaceSubrange((4 * (word - 1))..<(4 * word), with: bigEndian ? bytes.reversed() : bytes)
        }
        func int(_ word: Int, _ v: Int32) { put(word, UInt32(bitPattern: v)) }
        int(1, nx); int(2, ny); int(3, nz); int(4, mode)
        int(8, nx); int(9, ny); int(10, nz)
        put(11, Float(2 * nx).bitPattern); put(12, Float(2 * ny).bitPattern); put(13, Float(2 * nz).bitPattern)
        int(17, 1); int(18, 2); int(19, 3)
        int(24, nsymbt)
        b.replaceSubrange(208..<212, with: map)
        b.replaceSubrange(212..<216, with: bigEndian ? [0x11, 0x11, 0, 0] : [0x44, 0x44, 0, 0])
        return b
    }

    private struct PythonMap: Decodable {
        var path: String, mode: Int32, bigEndian: Bool, shape: [Int], voxel: [Double], origin: [Double],
            start: [Int], data: [Double]
    }

    /// What mrcfile sees in a file disca wrote: opened with permissive=False, validated (`mrcfile.validate`), the
    /// header statistics (dmin, dmax, dmean, rms) and numpy's own (min, max, mean, std) of the data.
    private struct MrcfileView: Decodable {
        var valid: Bool, report: String, mode: Int32, shape: [Int], voxel: [Double], origin: [Double],
            header: [Double], numpy: [Double], data: [Double]
    }

    private func mrcfileView(_ path: String) throws -> MrcfileView {
        let script = """
        import io, json, sys, numpy as np, mrcfile
        path = sys.argv[1]
        with mrcfile.open(path, permissive=False) as m:
            d = m.data.astype(np.float64)
            h, v = m.header, m.voxel_size
            view = dict(mode=int(h.mode), shape=list(m.data.shape), voxel=[float(v.x), float(v.y), float(v.z)],
                        origin=[float(h.origin.x), float(h.origin.y), float(h.origin.z)],
                        header=[float(h.dmin), float(h.dmax), float(h.dmean), float(h.rms)],
                        numpy=[float(d.min()), float(d.max()), float(d.mean()), float(d.std())],
                        data=d.ravel().tolist())
        report = io.StringIO()
        view["valid"] = bool(mrcfile.validate(path, print_file=report))
        view["report"] = report.getvalue()
        print(json.dumps(view))
        """
        return try JSONDecoder().decode(MrcfileView.self, from: try runPython(script, [path]))
    }

    private func skipWithoutMrcfile() throws {
        if !pythonHasMrcfile { throw XCTSkip("python3 with mrcfile and numpy not available") }
    }
}

/// Whether `python3 -c "import mrcfile, numpy"` succeeds here (checked once).
private let pythonHasMrcfile: Bool = {
    (try? runPython("import mrcfile, numpy", [])) != nil
}()

/// Runs `python3 -c script args...` and returns its standard output; a nonzero exit throws with its standard error.
private func runPython(_ script: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("disca-py-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorFile) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: errorFile)
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let message = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        throw DiscaError.runtime("python3 exited with \(process.terminationStatus): \(message)")
    }
    return data
}
