"""Provides the intake package: consultation intake, suitability screening and sealed documents."""

__version__ = "0.1.0"

import sys as _sys

# jsonschema's format extras import rfc3987_syntax eagerly, which builds a parser grammar at import time (~0.7 s on
# every command). It only serves the "iri"/"iri-reference" formats, which no intake schema uses ("date" and "email"
# are checked by the standard library), so it is kept from loading; tests prove those formats are still asserted.
_sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None blocks the import
