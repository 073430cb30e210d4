import _CHDF5
import _CMPI
import DiscaCore
import DiscaMPI
import Foundation

/// An HDF5 file, opened serially or in parallel (MPI-IO) over a communicator.
///
/// Parallel mode (an `MPICommunicator` with more than one rank): opening, creating datasets, groups and attributes
/// are collective (every rank calls with the same arguments); `writeRows` is a collective data transfer in which each
/// rank writes its own block of rows (possibly none); `readRows` is an independent read of any rows.
/// Serial mode: a plain file, for one process (or for rank 0 alone when the caller arranges it).
public final class HDF5File {
    public let path: String
    public let writable: Bool
    /// True when opened with MPI-IO over more than one rank.
    public let isParallel: Bool
    let id: hid_t
    private var closed = false

    private init(path: String, id: hid_t, writable: Bool, parallel: Bool) {
        self.path = path
        self.id = id
        self.writable = writable
        self.isParallel = parallel
    }

    deinit { if !closed { H5Fclose(id) } }

    /// Opens an existing file. A missing file or one that is not HDF5 is `DiscaError.badInput` naming the path.
    /// With a communicator, every rank must call (the decision is agreed so no rank is left behind).
    public static func open(_ path: String, writable: Bool = false, comm: Communicator? = nil) throws -> HDF5File {
        _ = HDF5Errors.silenced
        let check: () throws -> Void = {
            guard FileManager.default.fileExists(atPath: path) else {
                throw DiscaError.badInput("\(path): no such file")
            }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw DiscaError.badInput("\(path): not readable")
            }
            let isH5 = H5Fis_hdf5(path)
            if isH5 <= 0 { throw DiscaError.badInput("\(path): not an HDF5 file") }
        }
        if let comm { try comm.collectively(check) } else { try check() }
        let parallel = parallelHandle(comm)
        let fapl = try h5id(H5Pcreate(disca_h5p_file_access()), "H5Pcreate(file access) for \(path)")
        defer { H5Close.plist(fapl) }
        if let handle = parallel { try h5check(disca_h5p_set_fapl_mpio(fapl, handle), "H5Pset_fapl_mpio for \(path)") }
        let flags = writable ? disca_h5f_acc_rdwr() : disca_h5f_acc_rdonly()
        let opened: () throws -> hid_t = {
            let fid = H5Fopen(path, flags, fapl)
            if fid < 0 {
                throw DiscaError.badInput("\(path): cannot open as HDF5 (\(HDF5Errors.lastMessage()))")
            }
            return fid
        }
        let fid = try comm.map { try $0.collectively(opened) } ?? opened()
        return HDF5File(path: path, id: fid, writable: writable, parallel: parallel != nil)
    }

    /// Creates (truncates) a file. With a communicator, every rank must call.
    public static func create(_ path: String, comm: Communicator? = nil) throws -> HDF5File {
        _ = HDF5Errors.silenced
        let parallel = parallelHandle(comm)
        let fapl = try h5id(H5Pcreate(disca_h5p_file_access()), "H5Pcreate(file access) for \(path)")
        defer { H5Close.plist(fapl) }
        if let handle = parallel { try h5check(disca_h5p_set_fapl_mpio(fapl, handle), "H5Pset_fapl_mpio for \(path)") }
        let created: () throws -> hid_t = {
            try h5id(H5Fcreate(path, disca_h5f_acc_trunc(), disca_h5p_default(), fapl), "H5Fcreate \(path)")
        }
        let fid = try comm.map { try $0.collectively(created) } ?? created()
        return HDF5File(path: path, id: fid, writable: true, parallel: parallel != nil)
    }

    /// Flushes and closes. Collective in parallel mode.
    public func close() throws {
        guard !closed else { return }
        closed = true
        try h5check(H5Fclose(id), "H5Fclose \(path)")
    }

    private static func parallelHandle(_ comm: Communicator?) -> MPI_Comm? {
        guard let mpi = comm as? MPICommunicator, mpi.size > 1 else { return nil }
        return mpi.handle
    }

    // MARK: - Links and groups

    /// True when every component of the absolute or relative path `name` exists.
    public func exists(_ name: String) -> Bool {
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix += "/" + part
            if H5Lexists(id, prefix, disca_h5p_default()) <= 0 { _ = HDF5Errors.lastMessage(); return false }
        }
        return true
    }

    /// Creates a group (and missing parents). Collective in parallel mode.
    public func createGroup(_ name: String) throws {
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix += "/" + part
            if H5Lexists(id, prefix, disca_h5p_default()) > 0 { continue }
            let g = try h5id(H5Gcreate2(id, prefix, disca_h5p_default(), disca_h5p_default(), disca_h5p_default()),
                             "H5Gcreate \(prefix) in \(path)")
            H5Close.group(g)
        }
    }

    /// Removes a link (dataset or group). Collective in parallel mode.
    public func delete(_ name: String) throws {
        try h5check(H5Ldelete(id, name, disca_h5p_default()), "H5Ldelete \(name) in \(path)")
    }

    /// Names of the members of a group, sorted.
    public func members(of group: String = "/") throws -> [String] {
        let g = try h5id(H5Gopen2(id, group, disca_h5p_default()), "H5Gopen \(group) in \(path)")
        defer { H5Close.group(g) }
        var info = H5G_info_t()
        try h5check(H5Gget_info(g, &info), "H5Gget_info \(group) in \(path)")
        var names: [String] = []
        for i in 0..<info.nlinks {
            let what = "H5Lget_name_by_idx \(group) link \(i) in \(path)"
            let len = try h5count(H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0,
                                                     disca_h5p_default()), what)
            var buf = [CChar](repeating: 0, count: len + 1)
            _ = try h5count(H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count,
                                               disca_h5p_default()), what)
            names.append(String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names.sorted()
    }

    // MARK: - Dataset properties

    /// Shape and element class of a dataset; a missing dataset is `badInput` naming the file and dataset.
    public func info(of name: String) throws -> HDF5DatasetInfo {
        let d = try openDataset(name)
        defer { H5Close.dataset(d) }
        return try datasetInfo(d, name)
    }

    func openDataset(_ name: String) throws -> hid_t {
        guard exists(name) else { throw DiscaError.badInput("\(path): no dataset \(name)") }
        let d = H5Dopen2(id, name, disca_h5p_default())
        if d < 0 { throw DiscaError.badInput("\(path): \(name) is not a dataset (\(HDF5Errors.lastMessage()))") }
        return d
    }

    func datasetInfo(_ d: hid_t, _ name: String) throws -> HDF5DatasetInfo {
        let space = try h5id(H5Dget_space(d), "H5Dget_space \(name) in \(path)")
        defer { H5Close.space(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw DiscaError.native(call: "H5Sget_simple_extent_ndims \(name) in \(path)", detail: HDF5Errors.lastMessage()) }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 {
            _ = try h5count(H5Sget_simple_extent_dims(space, &dims, nil), "H5Sget_simple_extent_dims \(name) in \(path)")
        }
        let type = try h5id(H5Dget_type(d), "H5Dget_type \(name) in \(path)")
        defer { H5Close.type(type) }
        let cls = H5Tget_class(type)
        guard cls == H5T_FLOAT || cls == H5T_INTEGER else {
            throw DiscaError.badInput("\(path): dataset \(name) holds neither numbers of floating point nor integers")
        }
        return HDF5DatasetInfo(shape: dims.map { Int($0) }, isFloatingPoint: cls == H5T_FLOAT,
                               bytesPerElement: try h5size(H5Tget_size(type), "H5Tget_size \(name) in \(path)"))
    }

    /// Checks that `name` exists with the given rank and element class; returns its shape. The error says what was
    /// expected, e.g. "particles.h5: dataset /subtomograms has shape (10, 24, 24), expected 4 dimensions (N, D, D, D)".
    @discardableResult
    public func requireDataset(_ name: String, rank: Int, floatingPoint: Bool, meaning: String) throws -> [Int] {
        let i = try info(of: name)
        let shapeText = "(" + i.shape.map(String.init).joined(separator: ", ") + ")"
        guard i.shape.count == rank else {
            throw DiscaError.badInput("\(path): dataset \(name) has shape \(shapeText), expected \(rank) dimensions \(meaning)")
        }
        guard i.isFloatingPoint == floatingPoint else {
            throw DiscaError.badInput("\(path): dataset \(name) holds \(i.isFloatingPoint ? "floating-point" : "integer") values, expected \(floatingPoint ? "floating-point" : "integer") \(meaning)")
        }
        return i.shape
    }
}
