@testable import DiscaNetwork
import XCTest

/// Keras 3 Nadam worked numbers (fixtures/nadam_keras3.md), independent of the fixture file.
final class NadamTests: XCTestCase {
    func testMomentumScheduleAndFirstStep() {
        let opt = Nadam(parameterCount: 3, epsilon: 1e-7)
        XCTAssertEqual(opt.momentumCache(1), 0.468, accuracy: 1e-6)
        XCTAssertEqual(opt.momentumCache(2), 0.48528, accuracy: 1e-6)
        XCTAssertEqual(opt.momentumCache(3), 0.501869, accuracy: 1e-6)
        var theta: [Float] = [1, 1, 1]
        let g: [Float] = [0.5, -2, 1e-7]
        opt.step(parameters: &theta, gradients: g, learningRate: 1e-3)
        // m^ = 1.062788 g, v^ = g^2: dtheta = -lr 1.062788 g / (|g| + eps)
        for i in 0..<3 {
            let expected = 1 - 1e-3 * 1.062788 * Double(g[i]) / (Double(abs(g[i])) + 1e-7)
            XCTAssertEqual(Double(theta[i]), expected, accuracy: 2e-7)
        }
        XCTAssertEqual(opt.uProduct, 0.468, accuracy: 1e-7)
        XCTAssertEqual(opt.iterations, 1)
        opt.step(parameters: &theta, gradients: g, learningRate: 1e-3)
        XCTAssertEqual(opt.uProduct, 0.227111, accuracy: 1e-6)
        XCTAssertEqual(opt.iterations, 2)
    }

    func testStateRoundTripsThroughTheFlatBuffer() throws {
        let a = Nadam(parameterCount: 4), b = Nadam(parameterCount: 4)
        var pa: [Float] = [1, 2, 3, 4], pb = pa
        let g: [Float] = [0.1, -0.2, 0.3, -0.4]
        for _ in 0..<3 { a.step(parameters: &pa, gradients: g, learningRate: 1e-2) }
        try b.state.assign(a.state.array)
        pb = pa
        a.step(parameters: &pa, gradients: g, learningRate: 1e-2)
        b.step(parameters: &pb, gradients: g, learningRate: 1e-2)
        XCTAssertEqual(pa, pb)
        XCTAssertEqual(b.iterations, 4)
        XCTAssertThrowsError(try b.state.assign([1, 2, 3]))
    }
}
