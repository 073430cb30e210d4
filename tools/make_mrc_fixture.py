#!/usr/bin/env python3
"""Writes the small MRC fixtures that Tests/DiscaSimulationTests/MRCFixtureTests.swift reads, with the Python
`mrcfile` package (an independent MRC2014 implementation).

    python3 tools/make_mrc_fixture.py Tests/DiscaSimulationTests/Fixtures

Every file holds a grid of nx = 6 columns, ny = 5 rows, nz = 4 sections whose value at (z, y, x) is a formula the
Swift test recomputes:
  float32_6x5x4.mrc   mode 2, v = 0.5 * (100 z + 10 y + x) - 3.25, voxel size (1.5, 2.0, 2.5) A,
                      origin (10, -20, 30.5) A, two labels
  int8_6x5x4.mrc      mode 0, v = 5 z + 3 y + x - 40 (fits int8)
  int16_ext_6x5x4.mrc mode 1, v = 1000 z - 100 y + 7 x - 1234, with a 160-byte extended header of 0xAB bytes
                      (EXTTYP 'SERI') that the reader must skip
  uint16_6x5x4.mrc    mode 6, v = 10000 + 1000 z + 100 y + x
  float32_be_6x5x4.mrc mode 2 big-endian, same values and voxel size as float32_6x5x4.mrc
"""
import os
import sys

import mrcfile
import numpy as np

NZ, NY, NX = 4, 5, 6


def grid():
    return np.meshgrid(np.arange(NZ), np.arange(NY), np.arange(NX), indexing="ij")


def main(folder):
    os.makedirs(folder, exist_ok=True)
    z, y, x = grid()

    f = (0.5 * (100 * z + 10 * y + x) - 3.25).astype(np.float32)
    with mrcfile.new(os.path.join(folder, "float32_6x5x4.mrc"), overwrite=True) as m:
        m.set_data(f)
        m.voxel_size = (1.5, 2.0, 2.5)
        m.header.origin = (10.0, -20.0, 30.5)
        m.add_label("disca MRC fixture written by mrcfile")
        m.add_label("second label")

    with mrcfile.new(os.path.join(folder, "float32_be_6x5x4.mrc"), overwrite=True) as m:
        m.set_data(f.astype(">f4"))
        m.voxel_size = (1.5, 2.0, 2.5)

    i8 = (5 * z + 3 * y + x - 40).astype(np.int8)
    with mrcfile.new(os.path.join(folder, "int8_6x5x4.mrc"), overwrite=True) as m:
        m.set_data(i8)
        m.voxel_size = 3.0

    i16 = (1000 * z - 100 * y + 7 * x - 1234).astype(np.int16)
    with mrcfile.new(os.path.join(folder, "int16_ext_6x5x4.mrc"), overwrite=True) as m:
        m.set_data(i16)
        m.voxel_size = 4.0
        m.set_extended_header(np.full(160, 0xAB, dtype=np.uint8).view(np.dtype("V1")))
        m.header.exttyp = b"SERI"

    u16 = (10000 + 1000 * z + 100 * y + x).astype(np.uint16)
    with mrcfile.new(os.path.join(folder, "uint16_6x5x4.mrc"), overwrite=True) as m:
        m.set_data(u16)
        m.voxel_size = 5.0

    for name in sorted(os.listdir(folder)):
        if name.endswith(".mrc"):
            with mrcfile.open(os.path.join(folder, name), permissive=False) as m:
                print(name, m.data.dtype, m.data.shape, m.voxel_size, "nsymbt", int(m.header.nsymbt),
                      "machst", bytes(m.header.machst))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/DiscaSimulationTests/Fixtures")
