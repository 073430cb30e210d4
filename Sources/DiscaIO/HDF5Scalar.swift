import _CHDF5

/// Element types stored in disca's HDF5 files.
public enum HDF5ElementType: Sendable, Equatable, CustomStringConvertible {
    case float32, float64, int32, int64, uint8

    var nativeType: hid_t {
        switch self {
        case .float32: return disca_h5t_native_float()
        case .float64: return disca_h5t_native_double()
        case .int32: return disca_h5t_native_int32()
        case .int64: return disca_h5t_native_int64()
        case .uint8: return disca_h5t_native_uint8()
        }
    }

    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .int32: return "int32"
        case .int64: return "int64"
        case .uint8: return "uint8"
        }
    }
}

/// A Swift scalar that maps to an HDF5 native type.
public protocol HDF5Scalar: Numeric, Sendable {
    static var hdf5Type: HDF5ElementType { get }
}
extension Float: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .float32 } }
extension Double: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .float64 } }
extension Int32: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .int32 } }
extension Int64: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .int64 } }
extension UInt8: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .uint8 } }

/// What a stored dataset is: its shape and whether it holds floating-point or integer values.
public struct HDF5DatasetInfo: Sendable, Equatable {
    public let shape: [Int]
    public let isFloatingPoint: Bool
    public let bytesPerElement: Int
    /// Elements in one row (the product of all dimensions after the first).
    public var rowElements: Int { shape.dropFirst().reduce(1, *) }
    public var rows: Int { shape.first ?? 1 }
}
