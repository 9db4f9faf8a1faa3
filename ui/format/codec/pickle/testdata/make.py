"""make.py writes the pickle fixtures the pickle tests decode.

Each value is pickled by Python's own pickle module into NAME.pickle and
disassembled by pickletools.dis into NAME.dis (the tests compare
Disassemble's lines with it). Nothing here is ever unpickled by the
tests: they read the committed bytes. See README.md for the command.
"""

import datetime
import io
import os
import pickle
import pickletools
import sys


class Point:
    """A plain class: pickled as NEWOBJ (protocol 2+) or INST/REDUCE and BUILD of its __dict__."""

    def __init__(self, x, y):
        self.x = x
        self.y = y


class Shell:
    """__reduce__ naming os.system: what a hostile pickle does. Only dumped, never loaded."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


def mixed():
    cyc = []
    cyc.append(cyc)
    d = {"name": "self"}
    d["self"] = d
    return {
        "name": "kvdeck",
        "n": 42,
        "neg": -7,
        "big": 2**100,
        "negbig": -(2**70),
        "f": 1.5,
        "t": (1, "two", 3.0),
        "l": [1, 2, [3]],
        "s": {1, 2, 3},
        "fs": frozenset({"a"}),
        "b": b"\x00\x01bin",
        "ba": bytearray(b"xy"),
        "none": None,
        "yes": True,
        "no": False,
        "u": "h\u00e9llo \u2713 \U0001F600",
        "ctrl": "a\x00b\x1bc\n\x7f",
        "ikeys": {1: "one", (2, 3): "tuple key"},
        "point": Point(1, [2, 3]),
        "when": datetime.datetime(2024, 5, 6, 7, 8, 9, 123456),
        "day": datetime.date(2024, 5, 6),
        "cycle": cyc,
        "selfdict": d,
    }


def write(name, data):
    with open(name + ".pickle", "wb") as f:
        f.write(data)
    out = io.StringIO()
    pickletools.dis(data, out)
    with open(name + ".dis", "w") as f:
        f.write(out.getvalue())


def main():
    if len(sys.argv) > 1:
        os.chdir(sys.argv[1])
    for proto in (0, 2, 4, 5):
        write("mixed_p%d" % proto, pickle.dumps(mixed(), protocol=proto))
    write("reduce_os_system", pickle.dumps(Shell(), protocol=2))
    bufs = []
    write("buffer_p5", pickle.dumps(
        [pickle.PickleBuffer(b"abc"), pickle.PickleBuffer(bytearray(b"rw"))],
        protocol=5, buffer_callback=bufs.append))
    write("inband_p5", pickle.dumps(pickle.PickleBuffer(bytearray(b"inband")), protocol=5))
    write("scalar_p4", pickle.dumps("just a string", protocol=4))


main()
