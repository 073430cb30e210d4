import DiscaCore
import DiscaIO
import DiscaNetwork
import Foundation

/// Saving and loading a whole model (architecture, parameters, BatchNorm moving statistics, Nadam state, head) as
/// one HDF5 group:
///
///     <group>/parameters        float32 (P)         the flat feature-network parameters (layout: attribute `layout`)
///     <group>/statistics        float32 (S)         BatchNorm moving means and variances
///     <group>/optimizer         float32 (2P + 2)    Nadam state [m | v | u_product | iterations]
///     <group>/head/parameters   float32 (F*K + K)   [kernel (F, K) | bias (K)]
///     <group>/head/optimizer    float32 (2(F*K+K) + 2)
///     attributes on <group>: blocks, first_width, width_step, feature_size, box_voxels, classes, dropout_rate,
///       beta_1, beta_2, epsilon, format ("disca-yopo-1"), layout (JSON: name, offset, shape of every tensor)
///
/// Each buffer is one dataset, so a checkpoint writes and reads each in one call. With a parallel file every rank
/// calls `save` (datasets and attributes are collective; rank 0's values are written, all ranks hold the same model).
extension YOPOModel {
    public static let formatName = "disca-yopo-1"

    public func save(to file: HDF5File, group: String = "/model", comm: Communicator? = nil) throws {
        let rank = comm?.rank ?? 0
        try file.createGroup(group)
        try file.createGroup(group + "/head")
        try file.write(group + "/parameters", parameters.array, shape: [parameters.count], rank: rank)
        try file.write(group + "/statistics", statistics.array, shape: [statistics.count], rank: rank)
        try file.write(group + "/optimizer", optimizer.state.array, shape: [optimizer.state.count], rank: rank)
        try file.write(group + "/head/parameters", head.parameters.array, shape: [head.parameters.count], rank: rank)
        try file.write(group + "/head/optimizer", head.optimizer.state.array, shape: [head.optimizer.state.count],
                       rank: rank)
        let a = architecture
        let attributes: [(String, HDF5AttributeValue)] = [
            ("format", .string(Self.formatName)),
            ("blocks", .int(a.blocks)), ("first_width", .int(a.firstWidth)), ("width_step", .int(a.widthStep)),
            ("feature_size", .int(a.featureSize)), ("box_voxels", .int(a.boxVoxels)), ("classes", .int(head.classes)),
            ("dropout_rate", .double(Double(dropoutRate))), ("beta_1", .double(Double(optimizer.beta1))),
            ("beta_2", .double(Double(optimizer.beta2))), ("epsilon", .double(Double(optimizer.epsilon))),
            ("layout", .string(layoutJSON())),
        ]
        for (name, value) in attributes { try file.setAttribute(name, value, on: group) }
    }

    /// Loads a model saved by `save`. A group that is missing, of another format, or whose buffers do not match
    /// its architecture is `DiscaError.badInput` naming the file and group.
    public static func load(from file: HDF5File, group: String = "/model", threads: Int? = nil) throws -> YOPOModel {
        let what = "\(file.path): \(group)"
        guard file.exists(group) else { throw DiscaError.badInput("\(what): no stored model") }
        guard (try? file.stringAttribute("format", on: group)) == formatName else {
            throw DiscaError.badInput("\(what): not a disca YOPO model (attribute format is not \(formatName))")
        }
        let a = YOPOArchitecture(blocks: try file.intAttribute("blocks", on: group),
                                 firstWidth: try file.intAttribute("first_width", on: group),
                                 widthStep: try file.intAttribute("width_step", on: group),
                                 featureSize: try file.intAttribute("feature_size", on: group),
                                 boxVoxels: try file.intAttribute("box_voxels", on: group))
        do { try a.validate() } catch { throw DiscaError.badInput("\(what): stored architecture: \(error)") }
        let m = try YOPOModel(architecture: a, classes: try file.intAttribute("classes", on: group), initialSeed: nil,
                              epsilon: Float(try file.doubleAttribute("epsilon", on: group)), threads: threads)
        m.dropoutRate = Float(try file.doubleAttribute("dropout_rate", on: group))
        for o in [m.optimizer, m.head.optimizer] {
            o.beta1 = Float(try file.doubleAttribute("beta_1", on: group))
            o.beta2 = Float(try file.doubleAttribute("beta_2", on: group))
        }
        try m.parameters.assign(try file.read(group + "/parameters") as [Float], what: "\(what)/parameters")
        try m.statistics.assign(try file.read(group + "/statistics") as [Float], what: "\(what)/statistics")
        try m.optimizer.state.assign(try file.read(group + "/optimizer") as [Float], what: "\(what)/optimizer")
        try m.head.parameters.assign(try file.read(group + "/head/parameters") as [Float], what: "\(what)/head/parameters")
        try m.head.optimizer.state.assign(try file.read(group + "/head/optimizer") as [Float], what: "\(what)/head/optimizer")
        return m
    }

    /// Name, offset and shape of every tensor in the parameter, statistics and head buffers, as JSON (for tools).
    func layoutJSON() -> String {
        func entries(_ slots: [TensorSlot]) -> String {
            slots.map { "{\"name\":\"\($0.name)\",\"offset\":\($0.offset),\"shape\":[\($0.shape.map(String.init).joined(separator: ","))]}" }
                .joined(separator: ",")
        }
        return "{\"parameters\":[\(entries(layout.parameters))],\"statistics\":[\(entries(layout.statistics))]," +
            "\"head\":[\(entries(head.slots))]}"
    }
}
