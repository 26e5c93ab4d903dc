"""Provides keep_engine and kept_engine: the clinic's engine loaded once, before tablet sessions are forked.

`intake serve` starts each tablet's wizard by forking a template process that has already imported the
wizard and loaded the clinic's engine (intake/serve/template.py). A forked wizard takes that engine
instead of loading it again, but only while the clinic's files are as they were when it was loaded:
an edited configuration, questionnaire, rule or text is loaded afresh by the next session, as before.
The engine holds the clinic's data only, never a client's.
"""

from __future__ import annotations

from pathlib import Path

from intake.engine import Engine

Fingerprint = tuple[tuple[str, int, int], ...]
_kept: dict[Path, tuple[Fingerprint, Engine]] = {}


def clinic_files(engine: Engine) -> Fingerprint:
    """Path, modification time (ns) and size of the configuration and of every file in its schemas and templates
    folders: what Engine.load reads."""
    config = engine.config
    paths = [Path(config.source)]
    for folder in (config.schemas_dir, config.templates_dir):
        if folder.is_dir():
            paths += sorted(path for path in folder.rglob("*") if path.is_file())
    found = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            found.append((str(path), -1, -1))
            continue
        found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


def keep_engine(path: Path, engine: Engine) -> None:
    """Keeps the engine loaded from the configuration at `path` for the wizards forked from this process."""
    _kept[Path(path).resolve()] = (clinic_files(engine), engine)


def kept_engine(path: Path) -> Engine | None:
    """The engine kept for `path`, if one was and the clinic's files have not changed since; else None."""
    kept = _kept.get(Path(path).resolve())
    if kept is None:
        return None
    files, engine = kept
    return engine if clinic_files(engine) == files else None
