import ArgumentParser
import DiscaSimulation

/// The microscope options of the simulating verbs (`simulate`, `simulate-tomogram`), one definition for both.
struct MicroscopeOptions: ParsableArguments {
    @Option(help: "Defocus in micrometre (negative = underfocus).") var defocus: Double = -5
    @Option(help: "Acceleration voltage in kV.") var voltage: Double = 300
    @Option(help: "Spherical aberration Cs in mm.") var cs: Double = 2.7
    @Option(help: "Amplitude contrast (fraction).") var amplitudeContrast: Double = 0.07
    @Flag(help: "Do not apply the CTF.") var noCtf = false

    var ctf: CTFParameters {
        CTFParameters(voltageKilovolt: voltage, defocusMicrometre: defocus, sphericalAberrationMillimetre: cs,
                      amplitudeContrast: amplitudeContrast)
    }
}
