import Foundation

/// Writes one line to standard error.
public func printError(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}

/// Ends the process with `code`, flushing standard output first.
public func exitProcess(_ code: Int32) -> Never {
    fflush(stdout)
    exit(code)
}
