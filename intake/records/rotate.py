"""The SQLite engine's `rotate` module under its earlier name (intake.records.sqlite.rotate is the module itself).

Code that names intake.records.rotate, and tests that patch its names, reach the engine's own module.
"""

import sys

from intake.records.sqlite import rotate as _engine

sys.modules[__name__] = _engine
