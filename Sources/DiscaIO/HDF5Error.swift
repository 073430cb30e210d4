import _CHDF5
import DiscaCore

/// HDF5 error handling: the library's own error-stack printing is switched off once, and each failed call becomes
/// one `DiscaError` that names the file, the object and the operation, with HDF5's most specific reason appended.
enum HDF5Errors {
    /// Idempotent; called before any HDF5 use.
    static let silenced: Bool = {
        _ = H5open()
        _ = disca_h5_silence_errors()
        return true
    }()

    /// The innermost description on HDF5's error stack, then clears the stack.
    static func lastMessage() -> String {
        var buf = [CChar](repeating: 0, count: 512)
        disca_h5_last_error(&buf, buf.count)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Checks an HDF5 identifier (negative = failure) and returns it.
@discardableResult
func h5id(_ id: hid_t, _ what: @autoclosure () -> String) throws -> hid_t {
    if id < 0 { throw DiscaError.native(call: what(), detail: HDF5Errors.lastMessage()) }
    return id
}

/// Checks an HDF5 status (negative = failure).
func h5check(_ status: herr_t, _ what: @autoclosure () -> String) throws {
    if status < 0 { throw DiscaError.native(call: what(), detail: HDF5Errors.lastMessage()) }
}

/// Checks a count or size returned by HDF5 (negative = failure) and returns it as an Int.
func h5count<T: BinaryInteger>(_ value: T, _ what: @autoclosure () -> String) throws -> Int {
    if value < 0 { throw DiscaError.native(call: what(), detail: HDF5Errors.lastMessage()) }
    return Int(value)
}

/// Checks a type size (`H5Tget_size` returns 0 on failure) and returns it.
func h5size(_ size: Int, _ what: @autoclosure () -> String) throws -> Int {
    if size == 0 { throw DiscaError.native(call: what(), detail: HDF5Errors.lastMessage()) }
    return size
}

/// Closes an identifier of a known kind, ignoring failures (used in `defer`).
enum H5Close {
    static func dataset(_ id: hid_t) { if id >= 0 { H5Dclose(id) } }
    static func space(_ id: hid_t) { if id >= 0 { H5Sclose(id) } }
    static func type(_ id: hid_t) { if id >= 0 { H5Tclose(id) } }
    static func plist(_ id: hid_t) { if id >= 0 { H5Pclose(id) } }
    static func attribute(_ id: hid_t) { if id >= 0 { H5Aclose(id) } }
    static func group(_ id: hid_t) { if id >= 0 { H5Gclose(id) } }
    static func object(_ id: hid_t) { if id >= 0 { H5Oclose(id) } }
}
