import DiscaCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open file descriptor of an MRC file. Every system call goes through here: its return code is checked at the
/// call and a failure becomes a one-line `DiscaError` naming the file, the call and the byte range.
/// A file that cannot be opened for reading or ends early is bad input; a failing write is a runtime failure.
final class MRCSystemFile {
    let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    static func openForReading(_ path: String) throws -> MRCSystemFile {
        let fd = systemOpen(path, O_RDONLY | O_CLOEXEC, 0)
        guard fd >= 0 else {
            throw DiscaError.badInput("MRC file \(path): cannot be opened (missing or unreadable): open failed: "
                                      + errorText())
        }
        return MRCSystemFile(path: path, descriptor: fd)
    }

    /// Creates (or truncates) `path` for writing, mode 0644.
    static func createForWriting(_ path: String) throws -> MRCSystemFile {
        let fd = systemOpen(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DiscaError.runtime("MRC file \(path): cannot be created: open failed: \(errorText())")
        }
        return MRCSystemFile(path: path, descriptor: fd)
    }

    /// The size of the open file in bytes (fstat).
    func size() throws -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw DiscaError.runtime("MRC file \(path): fstat failed: \(MRCSystemFile.errorText())")
        }
        return Int(info.st_size)
    }

    /// Reads exactly `buffer.count` bytes at `offset` (pread, repeated while it returns part). End of file before
    /// the last byte is bad input naming `what` and the byte counts.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, what: String) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw DiscaError.runtime("MRC file \(path): \(what): pread of \(buffer.count - done) bytes at offset "
                                         + "\(offset + done) failed: \(MRCSystemFile.errorText())")
            }
            if n == 0 {
                throw DiscaError.badInput("MRC file \(path): truncated \(what): read of \(buffer.count) bytes at "
                                          + "offset \(offset) returned \(done) (end of file)")
            }
            done += n
        }
    }

    /// Writes all of `buffer` at `offset` (pwrite, repeated while it returns part).
    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < buffer.count {
            let n = pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw DiscaError.runtime("MRC file \(path): pwrite of \(buffer.count - done) bytes at offset "
                                         + "\(offset + done) returned \(n): \(MRCSystemFile.errorText())")
            }
            done += n
        }
    }

    /// Flushes written data to the device (fsync).
    func sync() throws {
        guard fsync(descriptor) == 0 else {
            throw DiscaError.runtime("MRC file \(path): fsync failed: \(MRCSystemFile.errorText())")
        }
    }

    /// Closes the descriptor; later calls are an internal error.
    func close() throws {
        let fd = descriptor
        descriptor = -1
        guard systemClose(fd) == 0 else {
            throw DiscaError.runtime("MRC file \(path): close failed: \(MRCSystemFile.errorText())")
        }
    }

    /// Renames `from` to `to`, replacing `to` atomically (rename).
    static func rename(_ from: String, to: String) throws {
        guard systemRename(from, to) == 0 else {
            throw DiscaError.runtime("MRC file \(to): rename from \(from) failed: \(errorText())")
        }
    }

    /// Removes `path` if it exists (unlink); used to clean up after a failure, so its own failure is ignored.
    static func removeIfPresent(_ path: String) {
        _ = unlink(path)
    }

    static func errorText() -> String {
        let code = errno
        return "\(String(cString: strerror(code))) (errno \(code))"
    }
}

// The C functions under names that the methods above do not shadow.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
private func systemRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
