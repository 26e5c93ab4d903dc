"""The SQLite engine's `migrations` module under its earlier name (the module is intake.records.sqlite.migrations).

Code that names intake.records.migrations, and tests that patch its names, reach the engine's own module.
"""

import sys

from intake.records.sqlite import migrations as _engine

sys.modules[__name__] = _engine
