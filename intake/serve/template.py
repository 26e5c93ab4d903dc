"""The wizard template: one warm process from which `intake serve` forks each tablet's wizard.

Run as `python -m intake.serve.template FD CONFIG` by the server (intake/serve/spawner.py), with FD one
end of a Unix SOCK_SEQPACKET socket pair. It imports Textual, the wizard, the engine and the records
stack, loads the clinic's engine (clinic data only), freezes what it made out of the garbage
collector's reach (gc.freeze: untouched pages stay shared with every wizard forked after) and waits.

It holds no client's data, ever: it receives only a session's environment (terminal size, the paired
device's name, the renderer's socket) and three pipe ends, which it hands to the forked wizard and
closes at once; everything a client types goes through those pipes to the wizard alone. It opens no
record store, starts no thread and runs no event loop, so a wizard inherits no connection, lock or
thread: the wizard then runs `intake start --kiosk` as a freshly started one does (arguments,
logging, its record store opened, its own random state: Python reseeds `random` in a forked child).

Messages (JSON, one per datagram): server -> template {"env": {...}} with three descriptors (the
wizard's stdin, stdout, stderr); template -> server {"ready": pid} once, {"started": pid} per wizard
in the order asked, {"ended": pid, "status": code} when a wizard has ended (code as asyncio gives it:
negative for a signal), {"failed": reason} when a wizard could not be forked.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import NoReturn

#: Modules a tablet's wizard imports, imported once here (measured: what a wizard had imported after a step and the
#: staff PIN screen); with every module of these packages: the wizard and the record store.
PRELOAD = ("intake.cli", "intake.cli.tui_commands", "intake.tui.web", "intake.tui.session", "intake.records",
           "intake.engine", "intake.tui.render_worker", "intake.consent_info", "intake.documents.keys",
           "cryptography.x509", "cryptography.hazmat.primitives.ciphers.aead",
           "cryptography.hazmat.primitives.kdf.hkdf",
           "cryptography.hazmat.primitives.serialization", "textual.drivers.web_driver", "textual.layouts.factory",
           "textual.layouts.horizontal", "textual.layouts.stream", "textual.scrollbar", "textual.pilot",
           "textual.drivers.headless_driver", "concurrent.futures.thread", "getpass", "termios")
PACKAGES = ("intake.cli", "intake.tui", "intake.records")
#: The names `ps` shows: the template once it is ready to fork, and each wizard forked from it.
READY_NAME, WIZARD_NAME = "intake-template", "intake-wizard"
#: Largest message the server sends (a session's environment).
MESSAGE_BYTES = 1 << 16


def preload(config: Path) -> None:
    """Imports the wizard and loads the clinic's engine, then freezes them out of the garbage collector's reach."""
    import importlib
    import pkgutil

    from intake.errors import IntakeError

    for name in PRELOAD:
        importlib.import_module(name)
    for package in PACKAGES:
        module = sys.modules[package]
        for found in pkgutil.walk_packages(module.__path__, package + "."):
            if "postgres" in found.name:  # a clinic group's server: its wizards import the driver themselves
                continue
            with contextlib.suppress(ImportError):  # e.g. PostgreSQL's driver where it is not installed
                importlib.import_module(found.name)
    from rich._unicode_data import load as character_widths

    character_widths()  # rich's table of character widths, loaded on first use (the same environment here)
    from intake.cli.tui_commands import load_engine
    from intake.tui.warm import keep_engine

    with contextlib.suppress(IntakeError):  # a clinic that cannot load: each wizard says why, as before
        engine = load_engine(config)
        for language in engine.config.languages:  # what every session builds on its first step
            engine.validator_in(language)
            engine.assessor_in(language)
        keep_engine(config, engine)
    gc.collect()
    gc.freeze()


def serve(control: socket.socket, config: Path) -> int:
    """Forks a wizard for each request until the server closes its end; reports each wizard's end."""
    woken, wake = os.pipe()
    os.set_blocking(woken, False)
    os.set_blocking(wake, False)
    signal.set_wakeup_fd(wake)
    signal.signal(signal.SIGCHLD, lambda number, frame: None)
    _name(READY_NAME)
    _send(control, {"ready": os.getpid()})
    while True:
        readable, _, _ = select.select([control.fileno(), woken], [], [])
        if woken in readable:
            with contextlib.suppress(BlockingIOError):
                os.read(woken, 512)
            _reap(control)
        if control.fileno() in readable:
            message, fds, _, _ = socket.recv_fds(control, MESSAGE_BYTES, 3)
            if not message:
                return 0  # the server has gone: its pipes to the wizards are closed, so they save and quit
            try:
                _fork(control, (woken, wake), fds, json.loads(message)["env"], config)
            finally:
                for fd in fds:
                    os.close(fd)


def _fork(control: socket.socket, own: tuple[int, int], fds: list[int], env: dict[str, str], config: Path) -> None:
    if len(fds) != 3 or threading.active_count() != 1:
        _send(control, {"failed": "the template received no pipes or has a thread running"})
        return
    pid = os.fork()
    if pid == 0:
        _wizard(control, own, fds, env, config)
    _send(control, {"started": pid})


def _wizard(control: socket.socket, own: tuple[int, int], fds: list[int], env: dict[str, str],
            config: Path) -> NoReturn:
    """The forked wizard: leaves the template's socket and signals behind, takes the session's pipes as its
    standard streams and environment, and runs the kiosk wizard as `intake start --kiosk` does."""
    status = 1
    try:
        control.close()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in own:
            os.close(fd)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update({str(key): str(value) for key, value in env.items()})
        _name(WIZARD_NAME)
        from intake.cli import main

        status = main(["--config", str(config), "start", "--kiosk"])
    except BaseException as exc:  # noqa: BLE001 - the wizard's end is reported by its status, never raised here
        status = getattr(exc, "code", 1) if isinstance(exc, SystemExit) else 1
        if not isinstance(exc, SystemExit):
            print(f"intake: the wizard stopped ({type(exc).__name__}: {exc})", file=sys.stderr)
    finally:
        import atexit

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(status if isinstance(status, int) else 1)


def _reap(control: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(control, {"ended": pid, "status": os.waitstatus_to_exitcode(status)})


def _name(name: str) -> None:
    """Names this process in `ps` and /proc (the kernel's 15-character name)."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "w", encoding="ascii") as comm:
        comm.write(name)


def _send(control: socket.socket, message: dict[str, object]) -> None:
    control.sendall(json.dumps(message).encode())


def main(argv: list[str]) -> int:
    """python -m intake.serve.template FD CONFIG"""
    control = socket.socket(fileno=int(argv[0]))
    config = Path(argv[1])
    preload(config)
    return serve(control, config)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
