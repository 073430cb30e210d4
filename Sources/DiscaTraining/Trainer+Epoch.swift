import DiscaCore
import DiscaGeometry
import Foundation

extension Trainer {
    /// The training epoch(s) of the current iteration, from `state.step` on: data-parallel steps over global
    /// batches (every subtomogram as is and rotated), gradients summed with one allreduce per flat buffer.
    /// At every step boundary the ranks agree on stopping (a signal) and on a timed checkpoint.
    func trainingEpoch(started: Date) throws {
        let n = source.count, v = source.voxelsPerSubtomogram, d = source.boxVoxels
        let t = config.training
        let k = state.trainK
        let learningRate = Float(t.learningRate * pow(t.learningRateDecay, Double(state.epochsDone)))
        let smoothing = t.smoothing * pow(t.smoothingDecay, Double(state.epochsDone + 1))
        var epochs = max(1, t.epochsPerIteration)
        var plans: [Int: EpochPlan] = [:]
        func plan(_ e: Int) -> EpochPlan {
            if let p = plans[e] { return p }
            let p = EpochPlan(rows: n, rotatedCopies: t.rotatedCopies, batchSize: t.batchSize, seed: seed,
                              iteration: state.iteration, epoch: e)
            plans = [e: p]
            return p
        }
        let stepsPerEpoch = plan(0).steps
        if t.minStepsPerIteration > 0 {
            epochs = max(epochs, (t.minStepsPerIteration + stepsPerEpoch - 1) / stepsPerEpoch)
        }
        let totalSteps = t.epochsPerIteration == 0 ? 0 : stepsPerEpoch * epochs
        let shown = progress("iteration \(state.iteration) training (steps)", total: totalSteps)
        var inputs = [Float]()
        while state.step < totalSteps {
            try stepBoundary(started: started)
            let e = state.step / stepsPerEpoch, s = state.step % stepsPerEpoch
            let items = plan(e).items(step: s, rank: comm.rank, ranks: comm.size)
            inputs.removeAll(keepingCapacity: true)
            var targets = [Float](repeating: Float(smoothing / Double(k)), count: items.count * k)
            var row = [Float](repeating: 0, count: v)
            for (b, item) in items.enumerated() {
                try row.withUnsafeMutableBufferPointer { try source.read(rows: item.row..<(item.row + 1), into: $0) }
                if item.copy > 0 {
                    var stream = RandomStream(seed: seed, key: RandomKey(.rotation, iteration: state.iteration,
                                                                         epoch: e, item: item.index))
                    let rotation = Rotation3.uniform(&stream)
                    inputs += Volume(depth: d, height: d, width: d, data: row).rotated(by: rotation, noiseFill: &stream).data
                } else {
                    inputs += row
                }
                targets[b * k + Int(labels[item.row])] += Float(1 - smoothing)
            }
            let loss = try model.trainStep(inputs: inputs, targets: targets, sampleIndices: items.map { $0.index },
                                           noiseKey: RandomKey(.dropout, iteration: state.iteration, epoch: e, step: s),
                                           seed: seed, comm: comm)
            try model.allreduceGradients(comm: comm)
            model.applyUpdate(learningRate: learningRate)
            state.lossSum += Double(loss)
            state.lossSteps += 1
            state.step += 1
            stepsRun += 1
            shown.update(done: state.step)
        }
        shown.finish()
        model.releaseWorkspace()
    }

    /// Collective stop check outside the training steps (feature pass): the state is still the one of the last
    /// checkpoint taken at the iteration boundary, so stopping writes it again and exits with the preemption status.
    func stopPoint() throws {
        let flag = try comm.allreduce(stopCode(), .max)
        guard flag > 0 else { return }
        try writeCheckpoint()
        throw CollectiveError(.stoppedAfterCheckpoint(
            "stopped on \(stopReason(flag)) after writing a checkpoint (iteration \(state.iteration), before its training); continue with --resume"))
    }

    /// This rank's stop request as a number every rank can agree on: the signal number, 1 for a request from code
    /// (the test hook), 0 for none.
    func stopCode() -> Int64 {
        let s = stop.requestedSignal
        if s > 0 { return Int64(s) }
        return stop.requested != nil ? 1 : 0
    }

    func stopReason(_ code: Int64) -> String { code > 1 ? StopRequest.name(of: Int32(code)) : "a stop request" }

    /// Collective decision at a step boundary: stop (a signal on any rank, or the test hook) and/or a timed
    /// checkpoint (rank 0's clock). Stopping writes a checkpoint and throws the preemption status.
    func stepBoundary(started: Date) throws {
        var flags: [Int64] = [stopCode(), 0]
        if let at = options.stopAtStep, stepsRun + 1 >= at { flags[0] = max(flags[0], 1) }
        if comm.rank == 0, Date().timeIntervalSince(lastCheckpoint) > config.checkpoint.minutes * 60 { flags[1] = 1 }
        try comm.allreduce(&flags, .max)
        let elapsed = Date().timeIntervalSince(started)
        if flags[0] > 0 {
            try writeCheckpoint(extraSeconds: elapsed)
            let why = stopReason(flags[0])
            throw CollectiveError(.stoppedAfterCheckpoint(
                "stopped on \(why) after writing a checkpoint (iteration \(state.iteration), step \(state.step)); continue with --resume"))
        }
        if flags[1] == 1 {
            try writeCheckpoint(extraSeconds: elapsed)
            say("  checkpoint written (iteration \(state.iteration), step \(state.step))")
        }
    }
}
