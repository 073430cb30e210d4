import DiscaCore

/// One owned, flat float32 allocation: the parameters, gradients, optimizer state or statistics of a model, so that
/// an allreduce or a checkpoint is one call on one buffer. Layers work on typed views (`pointer + offset`), which stay
/// valid for the lifetime of the buffer (it never moves or grows).
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int, repeating value: Float = 0) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: value, count: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        if !values.isEmpty { values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) } }
    }

    deinit { pointer.deallocate() }

    /// The whole buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    /// A copy of the values (for saving, tests and comparisons).
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Overwrites every value; the count must match (a stored buffer of another size is bad input).
    public func assign(_ values: [Float], what: @autoclosure () -> String = "buffer") throws {
        guard values.count == count else {
            throw DiscaError.badInput("\(what()) holds \(values.count) values, expected \(count)")
        }
        if count > 0 { values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) } }
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public subscript(i: Int) -> Float {
        get { assert(i >= 0 && i < count); return pointer[i] }
        set { assert(i >= 0 && i < count); pointer[i] = newValue }
    }

    /// A view of `slot` in this buffer.
    public func view(_ slot: TensorSlot) -> UnsafeMutableBufferPointer<Float> {
        precondition(slot.offset + slot.count <= count)
        return UnsafeMutableBufferPointer(start: pointer + slot.offset, count: slot.count)
    }

    /// A copy of `slot`'s values.
    public func values(_ slot: TensorSlot) -> [Float] { Array(view(slot)) }
}

/// Where one named tensor lives in a flat buffer, and its shape (row-major, Keras axis order).
public struct TensorSlot: Sendable, Equatable, CustomStringConvertible {
    /// Keras-style name, e.g. "conv1/kernel", "bn_taps/gamma", "bn3/moving_mean".
    public let name: String
    public let offset: Int
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }
    public var end: Int { offset + count }

    public init(name: String, offset: Int, shape: [Int]) {
        self.name = name
        self.offset = offset
        self.shape = shape
    }

    public var description: String { "\(name)\(shape)@\(offset)" }
}

/// Hands out consecutive slots while a layout is being built.
struct SlotAllocator {
    private(set) var next = 0
    private(set) var slots: [TensorSlot] = []

    mutating func take(_ name: String, _ shape: [Int]) -> TensorSlot {
        let s = TensorSlot(name: name, offset: next, shape: shape)
        next += s.count
        slots.append(s)
        return s
    }
}
