import _CHDF5
import DiscaCore

extension HDF5File {
    /// Creates a dataset (and missing parent groups). `chunk` (same rank as `shape`) makes it chunked, which is
    /// recommended per row for large row-addressed datasets, e.g. `[1, D, D, D]` for subtomograms.
    /// Collective in parallel mode.
    public func createDataset(_ name: String, type: HDF5ElementType, shape: [Int], chunk: [Int]? = nil) throws {
        let dims = shape.map { hsize_t($0) }
        let space = try h5id(H5Screate_simple(Int32(dims.count), dims, nil), "H5Screate_simple \(name) in \(path)")
        defer { H5Close.space(space) }
        let lcpl = try h5id(H5Pcreate(disca_h5p_link_create()), "H5Pcreate(link create)")
        defer { H5Close.plist(lcpl) }
        try h5check(H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group")
        let dcpl = try h5id(H5Pcreate(disca_h5p_dataset_create()), "H5Pcreate(dataset create)")
        defer { H5Close.plist(dcpl) }
        if let chunk, !shape.contains(0) {
            precondition(chunk.count == shape.count, "chunk rank must equal dataset rank")
            let c = zip(chunk, shape).map { hsize_t(max(1, min($0, $1))) }
            try h5check(H5Pset_chunk(dcpl, Int32(c.count), c), "H5Pset_chunk \(name) in \(path)")
        }
        let d = try h5id(H5Dcreate2(id, name, type.nativeType, space, lcpl, dcpl, disca_h5p_default()),
                         "H5Dcreate \(name) in \(path)")
        H5Close.dataset(d)
    }

    /// Reads rows `rows` of dataset `name` (a block along the first axis) into `buffer`
    /// (rows.count * rowElements values). Independent (any rank, any rows). Values are converted to `T`;
    /// reading integers as floating point (or the reverse) is refused as bad input.
    public func readRows<T: HDF5Scalar>(_ name: String, rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<T>) throws {
        try transferRows(name, rows: rows, T.self, count: buffer.count, collective: false, verb: "H5Dread") { d, fileSpace, memSpace, dxpl in
            H5Dread(d, T.hdf5Type.nativeType, memSpace, fileSpace, dxpl, buffer.baseAddress)
        }
    }

    /// Reads rows of a dataset into a new array.
    public func readRows<T: HDF5Scalar>(_ name: String, rows: Range<Int>) throws -> [T] {
        let info = try info(of: name)
        var out = [T](repeating: 0, count: rows.count * info.rowElements)
        try out.withUnsafeMutableBufferPointer { try readRows(name, rows: rows, into: $0) }
        return out
    }

    /// Reads a whole dataset.
    public func read<T: HDF5Scalar>(_ name: String) throws -> [T] {
        let info = try info(of: name)
        return try readRows(name, rows: 0..<info.rows)
    }

    /// Writes `data` (rows.count * rowElements values) into rows `rows` of an existing dataset. In parallel mode this
    /// is a collective transfer: every rank calls it, each with its own block (an empty range is allowed).
    public func writeRows<T: HDF5Scalar>(_ name: String, rows: Range<Int>, data: UnsafeBufferPointer<T>) throws {
        try transferRows(name, rows: rows, T.self, count: data.count, collective: isParallel, verb: "H5Dwrite") { d, fileSpace, memSpace, dxpl in
            H5Dwrite(d, T.hdf5Type.nativeType, memSpace, fileSpace, dxpl, data.baseAddress)
        }
    }

    /// Opens the dataset, checks the element class and the row range (bad input: rows outside the dataset), checks
    /// the caller's buffer holds `count >= rows.count * rowElements` values, and runs `io` on the selected rows.
    private func transferRows<T: HDF5Scalar>(_ name: String, rows: Range<Int>, _: T.Type, count: Int, collective: Bool,
                                             verb: String,
                                             _ io: (_ d: hid_t, _ fileSpace: hid_t, _ memSpace: hid_t, _ dxpl: hid_t) -> herr_t) throws {
        let d = try openDataset(name)
        defer { H5Close.dataset(d) }
        let info = try datasetInfo(d, name)
        try checkClass(info, T.self, name)
        guard rows.lowerBound >= 0, rows.upperBound <= info.rows else {
            throw DiscaError.badInput("\(path): rows \(rows.lowerBound)..<\(rows.upperBound) outside dataset \(name) with \(info.rows) rows")
        }
        precondition(count >= rows.count * info.rowElements, "\(verb) buffer too small")
        try transfer(d, name: name, info: info, rows: rows, type: T.hdf5Type, collective: collective,
                     what: "\(verb) \(name) rows \(rows.lowerBound)..<\(rows.upperBound) of \(path)") { fileSpace, memSpace, dxpl in
            io(d, fileSpace, memSpace, dxpl)
        }
    }

    public func writeRows<T: HDF5Scalar>(_ name: String, rows: Range<Int>, data: [T]) throws {
        try data.withUnsafeBufferPointer { try writeRows(name, rows: rows, data: $0) }
    }

    /// Creates a dataset and writes all of it. In parallel mode every rank calls with the same shape; rank 0's
    /// `data` is written (the others may pass the same or any array).
    public func write<T: HDF5Scalar>(_ name: String, _ data: [T], shape: [Int], rank: Int = 0) throws {
        precondition(!shape.isEmpty, "scalar datasets are not used; store scalars as attributes")
        precondition(data.count == shape.reduce(1, *) || (isParallel && rank != 0), "data count does not match shape")
        if exists(name) { try delete(name) }
        try createDataset(name, type: T.hdf5Type, shape: shape)
        let rows = shape.first ?? 1
        let mine = (!isParallel || rank == 0) ? 0..<rows : 0..<0
        try writeRows(name, rows: mine, data: data)
    }

    private func checkClass<T: HDF5Scalar>(_ info: HDF5DatasetInfo, _: T.Type, _ name: String) throws {
        guard info.isFloatingPoint == T.hdf5Type.isFloatingPoint else {
            throw DiscaError.badInput("\(path): dataset \(name) holds \(info.isFloatingPoint ? "floating-point" : "integer") values, expected \(T.hdf5Type.isFloatingPoint ? "floating-point" : "integer")")
        }
    }

    /// Selects `rows` of the file space and a matching contiguous memory space, then runs `io`.
    private func transfer(_ d: hid_t, name: String, info: HDF5DatasetInfo, rows: Range<Int>, type: HDF5ElementType,
                          collective: Bool, what: String,
                          _ io: (_ fileSpace: hid_t, _ memSpace: hid_t, _ dxpl: hid_t) -> herr_t) throws {
        let fileSpace = try h5id(H5Dget_space(d), "H5Dget_space \(name) in \(path)")
        defer { H5Close.space(fileSpace) }
        let rank = info.shape.count
        let memCount = hsize_t(max(rows.count * info.rowElements, 1))
        let memSpace = try h5id(H5Screate_simple(1, [memCount], nil), "H5Screate_simple (memory) for \(name)")
        defer { H5Close.space(memSpace) }
        if rows.isEmpty {
            try h5check(H5Sselect_none(fileSpace), "H5Sselect_none \(name)")
            try h5check(H5Sselect_none(memSpace), "H5Sselect_none (memory) \(name)")
        } else if rank > 0 {
            var start = [hsize_t](repeating: 0, count: rank)
            var count = info.shape.map { hsize_t($0) }
            start[0] = hsize_t(rows.lowerBound)
            count[0] = hsize_t(rows.count)
            try h5check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil),
                        "H5Sselect_hyperslab \(name) rows \(rows.lowerBound)..<\(rows.upperBound) of \(path)")
        }
        let dxpl = try h5id(H5Pcreate(disca_h5p_dataset_xfer()), "H5Pcreate(dataset transfer)")
        defer { H5Close.plist(dxpl) }
        if isParallel {
            try h5check(collective ? disca_h5p_set_dxpl_collective(dxpl) : disca_h5p_set_dxpl_independent(dxpl),
                        "H5Pset_dxpl_mpio")
        }
        try h5check(io(fileSpace, memSpace, dxpl), what)
    }
}
