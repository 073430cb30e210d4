import XCTest

/// Asserts |a - b| <= atol + rtol * |b| element-wise and reports the worst element.
public func assertClose<T: BinaryFloatingPoint>(_ actual: [T], _ expected: [T], atol: Double = 0, rtol: Double = 1e-6,
                                               _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count differs \(message)", file: file, line: line)
    guard actual.count == expected.count else { return }
    var worst = 0.0, worstIndex = -1
    for i in actual.indices {
        let a = Double(actual[i]), b = Double(expected[i])
        let excess = abs(a - b) - (atol + rtol * abs(b))
        if !(excess <= 0) && (worstIndex < 0 || !(excess <= worst)) { worst = excess; worstIndex = i }
    }
    if worstIndex >= 0 {
        XCTFail("not close at \(worstIndex): \(actual[worstIndex]) vs \(expected[worstIndex]) (atol \(atol), rtol \(rtol)) \(message)",
                file: file, line: line)
    }
}

public func assertClose<T: BinaryFloatingPoint>(_ actual: T, _ expected: T, atol: Double = 0, rtol: Double = 1e-6,
                                               _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    assertClose([actual], [expected], atol: atol, rtol: rtol, message, file: file, line: line)
}

/// Largest |a - b| / max(|b|, floor).
public func maxRelativeError<T: BinaryFloatingPoint>(_ a: [T], _ b: [T], floor: Double = 1e-12) -> Double {
    zip(a, b).map { abs(Double($0) - Double($1)) / max(abs(Double($1)), floor) }.max() ?? 0
}
