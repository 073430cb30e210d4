import DiscaCore

/// Splits one line of a STAR file into values: whitespace separates them; a value may be quoted with `'` or `"`
/// (the quote closes only where it is followed by whitespace or the end of the line, as in STAR, so `"a"b"` is
/// `a"b`); a `#` that starts a value begins a comment that runs to the end of the line.
enum STARTokenizer {
    /// The values of `line` (1-based `lineNumber`, for the message) with quotes removed; an unclosed quote is an
    /// error naming the file and the line.
    static func tokens(_ line: Substring, file: String, lineNumber: Int) throws -> [String] {
        let bytes = Array(line.utf8)
        var out: [String] = []
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if isSpace(b) { i += 1; continue }
            if b == UInt8(ascii: "#") { break }
            if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                var j = i + 1
                var closed = false
                while j < n {
                    if bytes[j] == b && (j + 1 == n || isSpace(bytes[j + 1])) { closed = true; break }
                    j += 1
                }
                guard closed else {
                    throw DiscaError.badInput(
                        "\(file) line \(lineNumber): quote \(Character(UnicodeScalar(b))) opened at column \(i + 1) "
                        + "is not closed on that line")
                }
                out.append(String(decoding: bytes[(i + 1)..<j], as: UTF8.self))
                i = j + 1
            } else {
                var j = i
                while j < n && !isSpace(bytes[j]) { j += 1 }
                out.append(String(decoding: bytes[i..<j], as: UTF8.self))
                i = j
            }
        }
        return out
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") || b == 0x0B || b == 0x0C
    }
}
