"""The SQLite engine's `ops` module (StoreOps) under its earlier name (the module is intake.records.sqlite.ops).

Code that names intake.records.ops reaches the engine's own module.
"""

import sys

from intake.records.sqlite import ops as _engine

sys.modules[__name__] = _engine
