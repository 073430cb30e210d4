/// Settings of multi-reference alignment (`refine.*` in the configuration; docs/algorithm.md section 12).
public struct AlignmentSettings: Sendable, Equatable {
    /// Working box: every subtomogram is Fourier-cropped to box^3 (coarser voxels, same field of view).
    public var box: Int = 24
    /// Rotations of the global search (a `RotationGrid`).
    public var rotations: Int = 500
    /// Largest translation searched per axis, in working-box voxels (integer steps).
    public var maxShift: Int = 1
    /// The tilt range of the tilt series (+-degrees about y, beam along z); 90 or more: no missing wedge.
    public var tiltDegrees: Double = 60
    /// Low-pass cutoff of references and templates as a fraction of the working box's Nyquist frequency.
    public var lowPassFraction: Double = 1.0
    /// Radius of the soft spherical mask as a fraction of half the working box (a 2-voxel cosine edge inside it).
    public var maskRadiusFraction: Double = 1.0
    /// Rounds of (assign to the best class and pose, average) before and after merging.
    public var rounds: Int = 6
    /// Two classes merge when their members' preference for their own average over the other's is separated by
    /// less than this (Ashman's D; see `MultiReferenceRefinement.separations`): 2.7 for one structure split at
    /// random, far more for two structures.
    public var mergeSeparation: Double = 4
    /// Classes with fewer members than this fraction of N (and at least 3) are dropped; their members move.
    public var smallestClassFraction: Double = 0.01
    /// First rounds in which every subtomogram keeps its class and is only aligned (the averages sharpen from the
    /// unaligned blobs they start as before anyone changes class).
    public var alignOnlyRounds: Int = 0
    /// Rotations per block of templates (memory: K * block * shifts * box^3 floats).
    public var rotationsPerBlock: Int = 32
    /// Threads per rank for template building and back-rotation (0: OpenBLAS' count).
    public var threads: Int = 0

    public init() {}

    /// The shifts searched: every integer vector with components in -maxShift...maxShift, (x, y, z).
    public var shifts: [(x: Int, y: Int, z: Int)] {
        var out: [(x: Int, y: Int, z: Int)] = []
        for z in -maxShift...maxShift { for y in -maxShift...maxShift { for x in -maxShift...maxShift {
            out.append((x, y, z))
        } } }
        return out
    }
}
