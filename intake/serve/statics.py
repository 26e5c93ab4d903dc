"""Provides Statics: the fixed set of files the tablet page loads, all from this server."""

from __future__ import annotations

from importlib import resources

from intake.errors import IntakeError

#: textual-serve's page script builds its terminal client here; the page needs a handle on it.
_CLIENT_MARKER = "const t=new w(e,{ping:r});"
_CLIENT_HANDLE = _CLIENT_MARKER + "window.intakeClient=t;"


def _textual_js() -> bytes:
    source = (resources.files("textual_serve") / "static" / "js" / "textual.js").read_text(encoding="utf-8")
    if source.count(_CLIENT_MARKER) != 1:
        raise IntakeError("intake serve does not know this version of textual-serve's page script; "
                          "install the version pyproject.toml names (pip install -e .).")
    return source.replace(_CLIENT_MARKER, _CLIENT_HANDLE).encode("utf-8")


class Statics:
    """Every static file by name, read once at start (there is no folder to list)."""

    def __init__(self) -> None:
        upstream = resources.files("textual_serve") / "static"
        own = resources.files("intake.serve") / "static"
        self._files: dict[str, tuple[bytes, str]] = {
            "textual.js": (_textual_js(), "text/javascript"),
            "xterm.css": ((upstream / "css" / "xterm.css").read_bytes(), "text/css"),
            # Roboto Mono ships inside textual-serve; the stock page fetched it from a font service instead.
            "RobotoMono.ttf": ((upstream / "fonts" / "RobotoMono-VariableFont_wght.ttf").read_bytes(), "font/ttf"),
            "page.js": ((own / "page.js").read_bytes(), "text/javascript"),
            "page.css": ((own / "page.css").read_bytes(), "text/css"),
        }

    def get(self, name: str) -> tuple[bytes, str] | None:
        """The file's bytes and content type, or None."""
        return self._files.get(name)
