import DiscaCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a run directory, held by rank 0 for the life of the process (docs/interfaces.md, "Run
/// directory"): a POSIX record lock (`fcntl(F_SETLK)`) on RUNDIR/lock, which the kernel releases when the process
/// ends, however it ends (kill -9 included), so a stale lock never blocks a requeued job. The file holds the
/// holder's host, pid and start time for the message a second run gets. The descriptor is never closed before the
/// process exits (closing any descriptor of the file would drop a POSIX lock).
public final class RunLock: @unchecked Sendable {
    public static let fileName = "lock"
    let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Takes the lock of `directory` (which must exist), or throws `badInput` naming the holder.
    public static func take(directory: String) throws -> RunLock {
        let path = (directory as NSString).appendingPathComponent(fileName)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DiscaError.badInput("\(path): open for the run lock failed: \(String(cString: strerror(errno)))")
        }
        var region = flock()
        region.l_type = Int16(F_WRLCK)
        region.l_whence = Int16(SEEK_SET)
        region.l_start = 0
        region.l_len = 0
        if fcntl(fd, F_SETLK, &region) != 0 {
            let code = errno
            var bytes = [UInt8](repeating: 0, count: 512)
            let n = pread(fd, &bytes, bytes.count, 0)
            let holder = n > 0 ? String(decoding: bytes[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "unknown"
            close(fd)
            if code == EAGAIN || code == EACCES {
                throw DiscaError.badInput("\(directory): another disca train is running in this run directory (\(holder)); "
                                          + "wait for it to end or choose another --output")
            }
            throw DiscaError.badInput("\(path): fcntl(F_SETLK) for the run lock failed: \(String(cString: strerror(code)))")
        }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let text = "host \(String(cString: host)) pid \(getpid()) since \(ISO8601DateFormatter().string(from: Date()))\n"
        let bytes = Array(text.utf8)
        guard ftruncate(fd, 0) == 0, pwrite(fd, bytes, bytes.count, 0) == bytes.count else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw DiscaError.badInput("\(path): writing the run lock's holder failed: \(message)")
        }
        return RunLock(descriptor: fd)
    }
}
