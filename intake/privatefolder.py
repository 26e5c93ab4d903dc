"""Provides folders made private (0700) whatever the user's umask, parents included.

`Path.mkdir(parents=True, mode=0o700)` gives the mode to the last folder only, and the umask still
applies; a folder intake creates for health data (documents, exports, state) must not be readable by
others at any level it created. Folders that already exist are left as they are: they are the
user's (a home folder, a USB stick), not intake's.
"""

from __future__ import annotations

import os
from pathlib import Path


def make_private_folder(folder: Path) -> Path:
    """Creates `folder` and any missing parents, each 0700; returns it.

    Raises:
        OSError: a folder cannot be created (or something else is in the way).
    """
    missing = []
    probe = Path(folder)
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            if not path.is_dir():
                raise
            continue  # made meanwhile by another process: theirs to set
        os.chmod(path, 0o700)
    if not Path(folder).is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    return Path(folder)
