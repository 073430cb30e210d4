import Foundation

/// Peak resident set size of this process in bytes (VmHWM from /proc/self/status; 0 where unavailable).
public func peakResidentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}

extension Communicator {
    /// Peak RSS of every rank in MB, rank order (collective).
    public func peakResidentMegabytesPerRank() throws -> [Int] {
        try allgather(Int64(peakResidentBytes() / (1 << 20))).map { Int($0) }
    }
}
