"""Provides `intake serve`: the kiosk wizard in a tablet's browser (textual-serve, closed for a clinic network).

Modules: settings (address, TLS, the refusal of unsafe addresses), pairing (device codes and tokens,
failure limits), process (one wizard process per connection, named by its device), renderer (one
document renderer shared by the wizards, on a private Unix socket), statics and web (the page, its
files and the aiohttp routes). Imports textual-serve, never textual.
"""

from __future__ import annotations

from intake.serve.settings import ServeSettings

__all__ = ["ServeSettings"]
