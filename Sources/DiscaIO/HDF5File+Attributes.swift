import _CHDF5
import DiscaCore
import Foundation

/// A value stored as an HDF5 attribute.
public enum HDF5AttributeValue: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case string(String)
    case doubles([Double])
    case ints([Int])
}

extension HDF5File {
    /// Writes (replaces) attribute `name` on the object at `object` (a group or dataset path).
    /// Collective in parallel mode: every rank calls with the same value.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue, on object: String = "/") throws {
        let what = "attribute \(name) on \(object) of \(path)"
        if H5Aexists_by_name(id, object, name, disca_h5p_default()) > 0 {
            try h5check(H5Adelete_by_name(id, object, name, disca_h5p_default()), "H5Adelete \(what)")
        }
        switch value {
        case .int(let v): try writeNumeric(name, [Int64(v)], on: object, what: what)
        case .double(let v): try writeNumeric(name, [v], on: object, what: what)
        case .doubles(let v): try writeNumeric(name, v, on: object, what: what)
        case .ints(let v): try writeNumeric(name, v.map { Int64($0) }, on: object, what: what)
        case .string(let s):
            let bytes = Array(s.utf8)
            let type = try h5id(H5Tcopy(disca_h5t_c_s1()), "H5Tcopy for \(what)")
            defer { H5Close.type(type) }
            try h5check(H5Tset_size(type, max(bytes.count, 1)), "H5Tset_size for \(what)")
            try h5check(H5Tset_strpad(type, H5T_STR_NULLPAD), "H5Tset_strpad for \(what)")
            let space = try h5id(H5Screate(H5S_SCALAR), "H5Screate for \(what)")
            defer { H5Close.space(space) }
            let a = try h5id(H5Acreate_by_name(id, object, name, type, space, disca_h5p_default(), disca_h5p_default(),
                                               disca_h5p_default()), "H5Acreate \(what)")
            defer { H5Close.attribute(a) }
            let padded = bytes.isEmpty ? [UInt8(0)] : bytes
            try h5check(H5Awrite(a, type, padded), "H5Awrite \(what)")
        }
    }

    private func writeNumeric<T: HDF5Scalar>(_ name: String, _ values: [T], on object: String, what: String) throws {
        let space: hid_t
        if values.count == 1 {
            space = try h5id(H5Screate(H5S_SCALAR), "H5Screate for \(what)")
        } else {
            space = try h5id(H5Screate_simple(1, [hsize_t(values.count)], nil), "H5Screate_simple for \(what)")
        }
        defer { H5Close.space(space) }
        let a = try h5id(H5Acreate_by_name(id, object, name, T.hdf5Type.nativeType, space, disca_h5p_default(),
                                           disca_h5p_default(), disca_h5p_default()), "H5Acreate \(what)")
        defer { H5Close.attribute(a) }
        try values.withUnsafeBytes { try h5check(H5Awrite(a, T.hdf5Type.nativeType, $0.baseAddress), "H5Awrite \(what)") }
    }

    /// True when the object has the attribute.
    public func hasAttribute(_ name: String, on object: String = "/") -> Bool {
        let r = H5Aexists_by_name(id, object, name, disca_h5p_default())
        if r < 0 { _ = HDF5Errors.lastMessage() }
        return r > 0
    }

    /// Reads a numeric attribute (scalar or 1-D) as Doubles. Missing: `badInput` naming file, object and attribute.
    public func doublesAttribute(_ name: String, on object: String = "/") throws -> [Double] {
        try readNumeric(name, on: object)
    }

    public func doubleAttribute(_ name: String, on object: String = "/") throws -> Double {
        let v: [Double] = try readNumeric(name, on: object)
        guard v.count == 1 else { throw DiscaError.badInput("\(path): attribute \(name) on \(object) has \(v.count) values, expected one") }
        return v[0]
    }

    public func intAttribute(_ name: String, on object: String = "/") throws -> Int {
        let v: [Int64] = try readNumeric(name, on: object)
        guard v.count == 1 else { throw DiscaError.badInput("\(path): attribute \(name) on \(object) has \(v.count) values, expected one") }
        return Int(v[0])
    }

    public func intsAttribute(_ name: String, on object: String = "/") throws -> [Int] {
        let v: [Int64] = try readNumeric(name, on: object)
        return v.map { Int($0) }
    }

    /// Reads a string attribute (fixed or variable length).
    public func stringAttribute(_ name: String, on object: String = "/") throws -> String {
        let what = "attribute \(name) on \(object) of \(path)"
        let a = try openAttribute(name, on: object)
        defer { H5Close.attribute(a) }
        let type = try h5id(H5Aget_type(a), "H5Aget_type \(what)")
        defer { H5Close.type(type) }
        guard H5Tget_class(type) == H5T_STRING else { throw DiscaError.badInput("\(path): \(name) on \(object) is not a string attribute") }
        if H5Tis_variable_str(type) > 0 {
            var ptr: UnsafeMutablePointer<CChar>? = nil
            let mem = try h5id(H5Tcopy(disca_h5t_c_s1()), "H5Tcopy")
            defer { H5Close.type(mem) }
            try h5check(H5Tset_size(mem, disca_h5t_variable()), "H5Tset_size")
            try h5check(H5Aread(a, mem, &ptr), "H5Aread \(what)")
            defer { if let p = ptr { free(p) } }
            return ptr.map { String(cString: $0) } ?? ""
        }
        let size = try h5size(H5Tget_size(type), "H5Tget_size \(what)")
        var buf = [UInt8](repeating: 0, count: size + 1)
        try h5check(H5Aread(a, type, &buf), "H5Aread \(what)")
        return String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
    }

    private func openAttribute(_ name: String, on object: String) throws -> hid_t {
        guard hasAttribute(name, on: object) else {
            throw DiscaError.badInput("\(path): \(object) has no attribute \(name)")
        }
        return try h5id(H5Aopen_by_name(id, object, name, disca_h5p_default(), disca_h5p_default()),
                        "H5Aopen \(name) on \(object) of \(path)")
    }

    private func readNumeric<T: HDF5Scalar>(_ name: String, on object: String) throws -> [T] {
        let what = "attribute \(name) on \(object) of \(path)"
        let a = try openAttribute(name, on: object)
        defer { H5Close.attribute(a) }
        let space = try h5id(H5Aget_space(a), "H5Aget_space \(what)")
        defer { H5Close.space(space) }
        let n = try h5count(H5Sget_simple_extent_npoints(space), "H5Sget_simple_extent_npoints \(what)")
        let type = try h5id(H5Aget_type(a), "H5Aget_type \(what)")
        defer { H5Close.type(type) }
        let cls = H5Tget_class(type)
        guard cls == H5T_FLOAT || cls == H5T_INTEGER else {
            throw DiscaError.badInput("\(path): attribute \(name) on \(object) is not numeric")
        }
        var out = [T](repeating: 0, count: max(n, 1))
        try out.withUnsafeMutableBytes { try h5check(H5Aread(a, T.hdf5Type.nativeType, $0.baseAddress), "H5Aread \(what)") }
        return Array(out.prefix(n))
    }
}
