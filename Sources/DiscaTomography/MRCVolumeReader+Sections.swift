import DiscaIO

/// A tomogram read from an MRC file section by section.
extension MRCVolumeReader: SectionSource {
    public var sizeVoxels: (x: Int, y: Int, z: Int) { shape }

    /// The value that stands in for voxels outside the tomogram: the header's mean (word 22) when the header says
    /// the statistics are set (dmax >= dmin and dmean within them, MRC2014), else 0.
    public var meanForPadding: Float {
        let h = header
        return h.dmax >= h.dmin && h.dmean >= h.dmin && h.dmean <= h.dmax && h.dmean.isFinite ? h.dmean : 0
    }
}
