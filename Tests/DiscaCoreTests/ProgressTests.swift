@testable import DiscaCore
import XCTest

/// ProgressDisplay driven by a fake clock, its output captured exactly (no real time passes, nothing is timed).
final class ProgressTests: XCTestCase {
    private final class Harness {
        var now = 100.0
        var written: [String] = []
        func make(_ output: ProgressDisplay.Output, total: Int = 1000, interval: Double = 10) -> ProgressDisplay {
            ProgressDisplay(label: "epoch 1", total: total, intervalSeconds: interval, output: output,
                     clock: { [unowned self] in self.now }, write: { [unowned self] in self.written.append($0) })
        }
    }

    func testPlainLinesAtMostOncePerIntervalWithRateAndTimeLeft() {
        let h = Harness()
        let p = h.make(.plainLines)
        h.now = 105; p.update(done: 100)          // 5 s < 10 s: nothing
        XCTAssertEqual(h.written, [])
        h.now = 110; p.update(done: 250)          // 10 s: 25/s, 750 left -> 30 s
        XCTAssertEqual(h.written, ["epoch 1: 250/1000 (25.0%), 25.0/s, 30s left\n"])
        h.now = 115; p.update(done: 400)          // 5 s since the last line: nothing
        h.now = 119.9; p.update(done: 450)
        XCTAssertEqual(h.written.count, 1)
        h.now = 120; p.update(done: 500)          // 20 s: 25/s, 500 left -> 20 s
        XCTAssertEqual(h.written.last, "epoch 1: 500/1000 (50.0%), 25.0/s, 20s left\n")
        h.now = 180; p.update(done: 1000)
        h.now = 200; p.finish()                   // 100 s in all
        XCTAssertEqual(h.written.last, "epoch 1: 1000/1000 (100.0%) in 1m40s, 10.0/s\n")
        XCTAssertEqual(h.written.count, 4)
        XCTAssert(h.written.allSatisfy { !$0.contains("\r") && !$0.contains("\u{1B}") && $0.hasSuffix("\n") })
        p.finish()
        p.update(done: 10)
        XCTAssertEqual(h.written.count, 4, "nothing after finish")
    }

    func testTerminalRewritesOneLineAndEndsItOnFinish() {
        let h = Harness()
        let p = h.make(.terminal, total: 7200, interval: 1)
        h.now = 101; p.update(done: 2)            // 2/s, 7198 left -> 3599 s -> 59m59s
        h.now = 102; p.update(done: 4)            // 2/s, 7196 left -> 3598 s
        XCTAssertEqual(h.written, ["\repoch 1: 2/7200 (0.0%), 2.00/s, 59m59s left\u{1B}[K",
                                   "\repoch 1: 4/7200 (0.1%), 2.00/s, 59m58s left\u{1B}[K"])
        h.now = 103; p.update(done: 3)            // done may go down (clamped, not rejected)
        XCTAssertEqual(h.written.last, "\repoch 1: 3/7200 (0.0%), 1.00/s, 1h59m left\u{1B}[K")
        p.finish()
        XCTAssertEqual(h.written.last, "\repoch 1: 3/7200 (0.0%) in 3s, 1.00/s\u{1B}[K\n")
        XCTAssertEqual(h.written.filter { $0.contains("\n") }.count, 1, "only the final line ends the line")
    }

    func testSilentWritesNothingAndEdgeCases() {
        let h = Harness()
        let s = h.make(.silent, interval: 0)
        h.now = 200; s.update(done: 500); s.finish()
        XCTAssertEqual(h.written, [])

        // Interval 0: every update prints; no time passed yet: no rate; done clamped into 0...total.
        let p = h.make(.plainLines, total: 10, interval: 0)
        p.update(done: 50)
        XCTAssertEqual(h.written, ["epoch 1: 10/10 (100.0%)\n"])
        h.now = 202; p.update(done: -3)
        XCTAssertEqual(h.written.last, "epoch 1: 0/10 (0.0%), 0.000/s\n", "no time left at rate 0")

        // An empty total is 100% done.
        let e = h.make(.plainLines, total: 0)
        e.finish()
        XCTAssertEqual(h.written.last, "epoch 1: 0/0 (100.0%) in 0s\n")
    }

    func testFormatting() {
        XCTAssertEqual(ProgressDisplay.duration(0.4), "0s")
        XCTAssertEqual(ProgressDisplay.duration(59.6), "1m00s")
        XCTAssertEqual(ProgressDisplay.duration(3599.4), "59m59s")
        XCTAssertEqual(ProgressDisplay.duration(3600 * 26 + 7 * 60), "26h07m")
        XCTAssertEqual(ProgressDisplay.duration(.infinity), "?")
        XCTAssertEqual(ProgressDisplay.rateText(3104.6), "3105")
        XCTAssertEqual(ProgressDisplay.rateText(12.34), "12.3")
        XCTAssertEqual(ProgressDisplay.rateText(1.5), "1.50")
        XCTAssertEqual(ProgressDisplay.rateText(0.5123), "0.512")
        XCTAssertEqual(ProgressDisplay.fixed(-0.04, decimals: 1), "0.0", "no negative zero")
        XCTAssertEqual(ProgressDisplay.fixed(-2.25, decimals: 1), "-2.3")
        XCTAssertEqual(ProgressDisplay.fixed(7, decimals: 0), "7")
        XCTAssertEqual(ProgressDisplay.fixed(0.05, decimals: 3), "0.050")
        XCTAssertEqual(ProgressDisplay.percent(1, 3), "33.3%")
    }

    func testStandardOutputKindIsOneOfTheTwoPrintingKinds() {
        // Under `swift test` stdout may or may not be a terminal; either way it is never silent.
        XCTAssertNotEqual(ProgressDisplay.Output.standardOutput, .silent)
        XCTAssertEqual(ProgressDisplay.Output.standardOutput == .terminal, isatty(1) != 0)
    }
}
