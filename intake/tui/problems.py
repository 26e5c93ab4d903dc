"""Provides explain(): what staff read when something fails, never a traceback."""

from __future__ import annotations

from intake.errors import IntakeError


def explain(exc: BaseException) -> str:
    """The IntakeError's own words, or a short note that the details were saved to a private log."""
    if isinstance(exc, IntakeError):
        return str(exc)
    from intake.cli import _log_internal_error

    try:
        raise exc
    except BaseException:  # noqa: BLE001 - re-raised only to log it with its traceback
        log = _log_internal_error()
    where = f" Details were saved to {log}." if log else ""
    return f"Something went wrong ({type(exc).__name__}). Nothing was lost.{where}"
