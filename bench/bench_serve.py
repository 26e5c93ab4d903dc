"""Benchmarks `intake serve`: page load to welcome, per-session memory, screen-change p90 with concurrent tablets.

A real server (demo clinic, loopback, scratch folder) serves real wizard processes. Page load is
measured in Debian's headless Chromium when it is installed. Concurrent sessions are websocket
clients speaking textual-serve's protocol, as the page does, so ten of them fit on a small machine.
The screen change timed is the staff button on a step (step screen -> PIN screen) and the return
from the staff menu to the step: a screen mounted or restored, the same work as a step change,
which cannot be scripted blind without a terminal emulator.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import PYTHON, Result, median

ROOT = Path(__file__).resolve().parent.parent
#: The checkout whose intake the server runs (default: this one). Another checkout of the code (e.g. `git archive
#: main`) measures that code with this bench, in the same minutes.
CODE = Path(os.environ.get("INTAKE_BENCH_CODE", str(ROOT))).resolve()
#: Seconds a tablet keeps reading after a screen change's marker, so the wizard's CPU counted for the change
#: includes what it does after the first paint.
SETTLE = 0.1
W, H = 100, 40
BUDGET_MS = 150
SESSIONS = tuple(int(n) for n in os.environ.get("INTAKE_BENCH_SESSIONS", "1,5,10").split(","))
CYCLES = int(os.environ.get("INTAKE_BENCH_CYCLES", "4"))
#: The load the loaded runs add: CPU-bound processes at normal priority, started by the bench.
LOAD = int(os.environ.get("INTAKE_BENCH_LOAD", "4"))
#: Seconds every tablet sits idle at a step while the CPU of the server and its wizards is counted.
IDLE_SECONDS = 5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Server:
    """`intake serve` on the demo clinic in a scratch folder. `mode` (bench/serve_host.py): "shared" as a clinic gets
    it (wizards forked from the warm template, one renderer), "started" (each wizard started anew, one renderer: the
    server before the template), "own" (a renderer per wizard too); `max_sessions` 0: the machine's default cap
    ([serve] max_sessions unset)."""

    def __init__(self, mode: str = "shared", max_sessions: int | None = None) -> None:
        self.mode = mode
        self.folder = tempfile.mkdtemp(prefix="intake-bench-serve-")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "TEXTUAL"))}
        env["PYTHONPATH"] = str(CODE)
        host = str(Path(__file__).with_name("serve_host.py"))
        cap = max(SESSIONS) if max_sessions is None else max_sessions
        #: The server's log (its output and errors), kept in the scratch folder: a session that ends in the middle
        #: of a run names it, so the reason is in hand.
        self.log = Path(self.folder) / "server.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([PYTHON, host, str(self.port), mode, str(cap)],
                                            cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("intake serve did not start")

    def settled(self) -> None:
        """Waits until the wizard template is ready (shared mode), so every session measured is forked."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            names = []
            for pid in _descendants(self.process.pid):
                try:
                    names.append(Path(f"/proc/{pid}/comm").read_text().strip())
                except OSError:
                    continue
            if "intake-template" in names or self.mode != "shared":
                return
            time.sleep(0.2)

    def stop(self) -> None:
        os.killpg(self.process.pid, 15)
        self.process.wait(timeout=20)


class Load:
    """`count` CPU-bound processes at normal priority (a busy loop each): load average `count` on top of the machine's
    own, started and ended by the bench so the load is stated and the same in every run."""

    def __init__(self, count: int) -> None:
        self.processes = [subprocess.Popen([PYTHON, "-c", "while True: pass"]) for _ in range(count)]

    def __enter__(self) -> Load:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.kill()
            process.wait()


def _thread_cpu(pid: int) -> float:
    """Seconds of CPU a process has spent, all its threads, to the nanosecond (the scheduler's own account, not
    clock ticks: a screen change costs a few ticks)."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                total += int(stat.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return total / 1e9


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


class SessionEnded(RuntimeError):
    """The server closed a tablet's session in the middle of a run."""


class Session:
    """One tablet, as textual-serve's page speaks to the server."""

    def __init__(self, http, url: str) -> None:
        self.http, self.url, self.socket, self.seen = http, url, None, ""
        self.wizard: int | None = None  # its wizard's process id, where known
        self.cpu: list[float] = []  # the wizard's CPU per timed screen change (seconds)

    async def open(self) -> float:
        start = time.perf_counter()
        self.socket = await self.http.ws_connect(f"{self.url}/ws?width={W}&height={H}",
                                                 headers={"Origin": self.url}, max_msg_size=0)
        await self.until("It takes about", 120)
        return time.perf_counter() - start

    async def until(self, marker: str, timeout: float = 30) -> None:
        import aiohttp

        end = time.perf_counter() + timeout
        while marker not in self.seen:
            message = await asyncio.wait_for(self.socket.receive(), max(0.01, end - time.perf_counter()))
            if message.type == aiohttp.WSMsgType.BINARY:
                self.seen = (self.seen + message.data.decode("utf-8", "replace"))[-20000:]
            elif message.type != aiohttp.WSMsgType.TEXT:
                code = self.socket.close_code if message.type != aiohttp.WSMsgType.CLOSE else message.data
                raise SessionEnded(f"the session ended: {message.type.name}, close code {code} "
                                   f"({message.extra or 'no reason given'}) while waiting for {marker!r}")
        self.seen = ""

    async def listen(self, seconds: float) -> None:
        """Reads what the wizard sends for `seconds`, as a page does while nobody types: the server's heartbeat
        pings are answered (aiohttp answers them only while something reads), so a long pause does not end the
        session."""
        import aiohttp

        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            try:
                message = await asyncio.wait_for(self.socket.receive(), left)
            except TimeoutError:
                break
            if message.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                raise SessionEnded(f"the session ended: {message.type.name}, close code {self.socket.close_code} "
                                   f"({message.extra or 'no reason given'}) while it sat idle")
        self.seen = ""

    async def send(self, text: str) -> None:
        self.seen = ""
        await self.socket.send_str(json.dumps(["stdin", text]))

    async def timed(self, text: str, marker: str) -> float:
        start = time.perf_counter()
        await self.send(text)
        await self.until(marker)
        return time.perf_counter() - start

    async def changed(self, text: str, marker: str) -> float:
        """A timed screen change: the wall time to the marker, and the wizard's CPU from the key until SETTLE
        seconds after it (noted in `cpu`)."""
        before = _thread_cpu(self.wizard) if self.wizard else 0.0
        wall = await self.timed(text, marker)
        if self.wizard:
            await self.listen(SETTLE)
            self.cpu.append(_thread_cpu(self.wizard) - before)
        return wall

    async def cycle(self) -> list[float]:
        """Step -> staff PIN screen, (PIN), staff menu -> step: two timed screen changes."""
        click = f"\x1b[<0;13;{H - 1}M\x1b[<0;13;{H - 1}m"
        to_pin = await self.changed(click, "Enter the staff PIN")
        await self.send("2468\r")  # the PIN check is deliberately slow (PBKDF2); not timed
        await self.until("Return to the client")
        back = await self.changed("\r", "Step 1 of")
        return [to_pin, back]


def _wizard_of(pids: list[int]) -> int | None:
    """Of the processes that appeared with a session, its wizard (`intake-wizard` when forked)."""
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "intake-wizard":
                return pid
        except OSError:
            continue
    return pids[0] if len(pids) == 1 else None


async def _concurrent(url: str, count: int, server_pid: int) -> tuple[list[float], float, float, list[float]]:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        sessions = [Session(http, url) for _ in range(count)]
        known = set(_descendants(server_pid))
        for s in sessions:  # one after another, so that each tablet's wizard is known
            await s.open()
            new = [pid for pid in _descendants(server_pid) if pid not in known]
            known.update(new)
            s.wizard = _wizard_of(new)
        for s in sessions:
            await s.send("\r")
        await asyncio.gather(*(s.until("Step 1 of", 60) for s in sessions))
        # Each wizard loads and warms the renderer, then settles.
        await asyncio.gather(*(s.listen(6 + count * 0.5) for s in sessions))
        pss = sum(_pss_mb(pid) for pid in _descendants(server_pid)) / count
        processes = [server_pid, *_descendants(server_pid)]
        before = _cpu_seconds(processes)
        # Every tablet idle at a step: what the server and its wizards cost then.
        await asyncio.gather(*(s.listen(IDLE_SECONDS) for s in sessions))
        idle_ms = (_cpu_seconds(processes) - before) / IDLE_SECONDS / count * 1000

        async def run(session: Session, offset: float) -> list[float]:
            await asyncio.sleep(offset)
            times: list[float] = []
            for _ in range(CYCLES):
                times += await session.cycle()
                await asyncio.sleep(0.3)
            return times

        results = await asyncio.gather(*(run(s, i * 0.37 / count) for i, s in enumerate(sessions)))
        for s in sessions:
            await s.socket.close()
    return [t for times in results for t in times], pss, idle_ms, [c for s in sessions for c in s.cpu]


async def _round_trips(url: str, count: int = 15) -> tuple[float, float]:
    """p90 of a websocket ping (the server alone) and of a typed letter's echo (server, web driver, one field's
    repaint), on one session at a step: what the web adds to a screen change, beside the screen's own work."""
    import aiohttp

    async with aiohttp.ClientSession() as http:
        session = Session(http, url)
        await session.open()
        await session.send("\r")
        await session.until("Step 1 of", 60)
        await session.listen(6)
        pings, echoes = [], []
        for i in range(count):
            start = time.perf_counter()
            await session.socket.send_str(json.dumps(["ping", str(i)]))
            while True:
                message = await asyncio.wait_for(session.socket.receive(), 30)
                if message.type == aiohttp.WSMsgType.TEXT and message.data.startswith('["pong"'):
                    break
            pings.append(time.perf_counter() - start)
            await asyncio.sleep(0.1)
        for letter in "Abcdefghijklmnopqrstuvwxyz"[:count]:
            echoes.append(await session.timed(letter, letter))
            await asyncio.sleep(0.2)
        await session.socket.close()
    return _p90(pings), _p90(echoes)


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else values[0]


def _page_load(url: str, repeat: int = 3) -> float | None:
    sys.path.insert(0, str(ROOT))
    from tests.browser.tablet import CHROMEDRIVER, CHROMIUM, Tablet, open_browser

    if CHROMIUM is None or CHROMEDRIVER is None:
        return None
    driver = open_browser()
    try:
        times = []
        for _ in range(repeat):
            tablet = Tablet(driver, url + "/")
            start = time.perf_counter()
            tablet.open()
            tablet.wait_for("It takes about 10 minutes", timeout=120)
            times.append(time.perf_counter() - start)
            driver.get("about:blank")
            time.sleep(1)
        return median(times)
    finally:
        driver.quit()


def _sessions(mode: str, counts: tuple[int, ...], load: int = 0) -> dict[int, tuple[float, float, float, float]]:
    """For each count of concurrent sessions, on a fresh server (bench/serve_host.py `mode`), with `load` CPU-bound
    processes running: the p90 screen change (s), the memory per session (MB PSS), the CPU per idle session
    (ms per second) and the median wizard CPU per screen change (s)."""
    server = Server(mode)
    try:
        server.settled()
        found: dict[int, tuple[float, float, float, float]] = {}
        with Load(load):
            for count in counts:
                try:
                    latencies, pss, idle, cpu = asyncio.run(_concurrent(server.url, count, server.process.pid))
                except SessionEnded as ended:
                    tail = server.log.read_text(errors="replace").splitlines()[-15:]
                    raise SessionEnded(f"{ended}, {count} sessions ({mode}, load +{load}); the server's log, "
                                       f"kept in {server.log}, ends:\n" + "\n".join(tail)) from ended
                found[count] = (_p90(latencies), pss, idle, median(cpu) if cpu else float("nan"))
                time.sleep(2)
        return found
    finally:
        server.stop()


async def _beyond_the_cap(url: str, cap: int) -> tuple[float, float, int]:
    """With `cap` tablets in session, the seconds the next one waits for its page (the median of 5), the seconds a
    page takes under the cap (one session fewer: the same-run baseline), and the status the next one got."""
    import aiohttp

    async with aiohttp.ClientSession() as http:
        sessions = [Session(http, url) for _ in range(cap)]
        await asyncio.gather(*(s.open() for s in sessions[:-1]))

        async def page() -> tuple[float, int]:
            start = time.perf_counter()
            async with http.get(f"{url}/") as response:
                await response.read()
                return time.perf_counter() - start, response.status

        under = median([(await page())[0] for _ in range(5)])
        await sessions[-1].open()
        beyond = [await page() for _ in range(5)]
        for s in sessions:
            await s.socket.close()
    return median([seconds for seconds, _ in beyond]), under, beyond[-1][1]


def _cap_lines() -> list[Result]:
    """The machine's default cap: the page beyond it, and screen changes with the cap's sessions at once."""
    from intake.serve.settings import available_mb, default_max_sessions

    cap = default_max_sessions(memory_mb=available_mb())
    server = Server(max_sessions=0)
    try:
        beyond, under, status = asyncio.run(_beyond_the_cap(server.url, cap))
    finally:
        server.stop()
    p90s = {count: found[0] for count, found in _sessions("shared", (cap,)).items()}
    return [
        Result(f"serve: the tablet beyond the cap ({cap}) gets its page", beyond, "<= 1 s", beyond <= 1 and
               status == 503, "the page under the cap", under, note=f"status {status}: all tablets are in use"),
        Result(f"serve: screen change p90 at the cap, {cap} sessions", p90s[cap], f"<= {BUDGET_MS} ms",
               p90s[cap] * 1000 <= BUDGET_MS),
    ]


def collect() -> list[Result]:
    server = Server()
    try:
        server.settled()
        results = []
        raw_open = asyncio.run(_raw_open(server.url))
        page = _page_load(server.url)
        if page is not None:
            results.append(Result("serve: page load to welcome (Chromium)", page, "<= 3 s", page <= 3,
                                  "websocket alone to welcome", raw_open))
        server_alone = _pss_mb(server.process.pid)
        ping, echo = asyncio.run(_round_trips(server.url))
        results.append(Result("serve: typed letter's echo p90, 1 session", echo, "<= 50 ms", echo <= 0.05,
                              "websocket ping p90", ping))
    finally:
        server.stop()
    for load in (0, LOAD):
        results += _session_lines(load, server_alone)
    return results + _cap_lines()


def _session_lines(load: int, server_alone: float) -> list[Result]:
    """Screen change p90 with 1, 5, 10 tablets, wizards forked from the template and (the same-run baseline, in the
    same minutes) started anew; memory and idle CPU per session in the note."""
    forked, started = _sessions("shared", SESSIONS, load), _sessions("started", SESSIONS, load)
    where = f"at load +{load} (CPU-bound processes the bench started)" if load else "quiet"
    results = []
    for count in SESSIONS:
        p90 = forked[count][0]
        judged = count <= (5 if load else 10)  # the goal: 10 sessions quiet, 5 at load 4
        budget = f"<= {BUDGET_MS} ms" if judged else f"(beyond the goal; {BUDGET_MS} ms)"
        results.append(Result(f"serve: screen change p90, {count} session(s), {where}", p90, budget,
                              p90 * 1000 <= BUDGET_MS or not judged, f"wizards started anew, {count}",
                              started[count][0]))
    within = [n for n in SESSIONS if forked[n][0] * 1000 <= BUDGET_MS]
    results[-1].note = (
        "per session (wizards, template and renderer, PSS): "
        + ", ".join(f"{forked[n][1]:.0f} MB with {n}" for n in SESSIONS)
        + "; wizards started anew: " + ", ".join(f"{started[n][1]:.0f} MB with {n}" for n in SESSIONS)
        + "; CPU per idle session: " + ", ".join(f"{forked[n][2]:.1f} ms/s with {n}" for n in SESSIONS)
        + " (started anew: " + ", ".join(f"{started[n][2]:.1f}" for n in SESSIONS) + ")"
        + "; wizard CPU per screen change (median): "
        + ", ".join(f"{forked[n][3] * 1000:.1f} ms with {n}" for n in SESSIONS)
        + " (started anew: " + ", ".join(f"{started[n][3] * 1000:.1f}" for n in SESSIONS) + ")"
        + f"; server alone {server_alone:.0f} MB; most sessions measured with p90 <= {BUDGET_MS} ms: "
        + f"{max(within) if within else 'none'}; load average during the run "
        + f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return results


async def _raw_open(url: str) -> float:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        times = []
        for _ in range(3):
            session = Session(http, url)
            times.append(await session.open())
            await session.socket.close()
            await asyncio.sleep(1)
        return median(times)


if __name__ == "__main__":
    for row in collect():
        print(row)
