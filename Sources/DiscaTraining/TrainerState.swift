import DiscaCore
import DiscaIO

/// Where a run stands; everything needed (beside the network and head) to continue it exactly.
/// Stored in checkpoints as attributes plus the global label array.
public struct TrainerState: Equatable, Sendable {
    /// The iteration being run (0-based).
    public var iteration = 0
    /// Whether this iteration's statistics are done and its training epoch is under way.
    public var training = false
    /// Next global step of the epoch (when `training`).
    public var step = 0
    /// K of the current (reported) labels (0 before iteration 0's statistics).
    public var k = 0
    /// Classes of the training labels (differs from `k` while exploring with an over-clustered mixture).
    public var trainK = 0
    /// Training epochs completed over the run (drives learning-rate and smoothing decay).
    public var epochsDone = 0
    /// Best (lowest) DDBI so far and its iteration (-1: none).
    public var bestDDBI = Double.infinity
    public var bestIteration = -1
    /// Sum and count of the per-step losses of the epoch under way.
    public var lossSum = 0.0
    public var lossSteps = 0
    /// The history line of this iteration's statistics, completed with the loss when its epoch ends.
    public var pendingHistory = ""
    /// Seconds spent in this iteration before the last checkpoint (so a resumed iteration reports its whole time).
    public var iterationSeconds = 0.0
    /// The run ended (converged or reached loop.max_iterations); resuming it does nothing.
    public var finished = false
    public var converged = false
    /// The alignment refinement after the loop is done and result.h5 holds its labels (`refine.*`).
    public var refined = false

    public init() {}

    static let attributePrefix = "state_"

    func write(to f: HDF5File) throws {
        let p = Self.attributePrefix
        try f.setAttribute(p + "iteration", .int(iteration))
        try f.setAttribute(p + "training", .int(training ? 1 : 0))
        try f.setAttribute(p + "step", .int(step))
        try f.setAttribute(p + "k", .int(k))
        try f.setAttribute(p + "train_k", .int(trainK))
        try f.setAttribute(p + "epochs_done", .int(epochsDone))
        try f.setAttribute(p + "best_ddbi", .double(bestDDBI))
        try f.setAttribute(p + "best_iteration", .int(bestIteration))
        try f.setAttribute(p + "loss_sum", .double(lossSum))
        try f.setAttribute(p + "loss_steps", .int(lossSteps))
        try f.setAttribute(p + "pending_history", .string(pendingHistory))
        try f.setAttribute(p + "iteration_seconds", .double(iterationSeconds))
        try f.setAttribute(p + "finished", .int(finished ? 1 : 0))
        try f.setAttribute(p + "converged", .int(converged ? 1 : 0))
        try f.setAttribute(p + "refined", .int(refined ? 1 : 0))
    }

    static func read(from f: HDF5File) throws -> TrainerState {
        let p = attributePrefix
        var s = TrainerState()
        s.iteration = try f.intAttribute(p + "iteration")
        s.training = try f.intAttribute(p + "training") == 1
        s.step = try f.intAttribute(p + "step")
        s.k = try f.intAttribute(p + "k")
        s.trainK = try f.intAttribute(p + "train_k")
        s.epochsDone = try f.intAttribute(p + "epochs_done")
        s.bestDDBI = try f.doubleAttribute(p + "best_ddbi")
        s.bestIteration = try f.intAttribute(p + "best_iteration")
        s.lossSum = try f.doubleAttribute(p + "loss_sum")
        s.lossSteps = try f.intAttribute(p + "loss_steps")
        s.pendingHistory = try f.stringAttribute(p + "pending_history")
        s.iterationSeconds = try f.doubleAttribute(p + "iteration_seconds")
        s.finished = try f.intAttribute(p + "finished") == 1
        s.converged = try f.intAttribute(p + "converged") == 1
        // Checkpoints written before the refinement existed lack the attribute: not refined.
        s.refined = f.hasAttribute(p + "refined") ? try f.intAttribute(p + "refined") == 1 : false
        return s
    }
}
