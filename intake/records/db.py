"""The SQLite engine's `db` module under its earlier name (intake.records.sqlite.db is the module itself).

Code that names intake.records.db, and tests that patch its names, reach the engine's own module.
"""

import sys

from intake.records.sqlite import db as _engine

sys.modules[__name__] = _engine
