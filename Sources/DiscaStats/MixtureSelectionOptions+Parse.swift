import DiscaCore

extension MixtureSelectionOptions {
    /// Parses a candidate list as written on the command line or in a config: "2-20", "5,10,20", "2-5,8,10-12".
    /// Returns the candidates in the order written, duplicates removed; throws `badInput` naming the text.
    public static func parseCandidates(_ text: String) throws -> [Int] {
        var out: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let p = part.trimmingCharacters(in: " ")
            let bounds = p.split(separator: "-", omittingEmptySubsequences: false)
            let values: [Int]
            if bounds.count == 1, let v = Int(bounds[0]) {
                values = [v]
            } else if bounds.count == 2, let a = Int(bounds[0]), let b = Int(bounds[1]), a <= b {
                values = Array(a...b)
            } else {
                throw DiscaError.badInput("candidates '\(text)': '\(p)' is not a number or a range like 2-20")
            }
            guard values.allSatisfy({ $0 >= 1 }) else {
                throw DiscaError.badInput("candidates '\(text)': every candidate K must be at least 1")
            }
            for v in values where !out.contains(v) { out.append(v) }
        }
        return out
    }
}

private extension Substring {
    func trimmingCharacters(in character: Character) -> Substring {
        var s = self
        while s.first == character { s = s.dropFirst() }
        while s.last == character { s = s.dropLast() }
        return s
    }
}
