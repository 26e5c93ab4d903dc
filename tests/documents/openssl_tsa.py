"""An RFC 3161 timestamp authority on loopback whose replies `openssl ts -reply` makes (not pyHanko, not us).

OpenSSL lists the token's certificates signer first, as many real authorities do, not in DER order. Its
clock is fixed with libfaketime (a frozen clock for each reply), so the time it attests is the one the test
sets and nothing depends on today.
"""

from __future__ import annotations

import contextlib
import glob
import os
import subprocess
import tempfile
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.documents.tsa import make_tsa_certificates

CONFIG = """\
[ tsa ]
default_tsa = loopback

[ loopback ]
dir = {folder}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/chain.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _libfaketime() -> str | None:
    """Where Debian's libfaketime package (or a local build) keeps the preload library, if it is installed."""
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    found += [path for path in ("/usr/lib/faketime/libfaketime.so.1", "/usr/local/lib/faketime/libfaketime.so.1")
              if os.path.exists(path)]
    return found[0] if found else None


#: libfaketime's preload library, or None where it is not installed (the tests that need it are skipped there).
LIBFAKETIME = _libfaketime()


def frozen_clock(moment: datetime) -> dict[str, str]:
    """The environment for an `openssl` whose clock stands still at `moment`, in UTC.

    libfaketime is preloaded directly rather than through the `faketime` wrapper: the wrapper keeps a named
    semaphore and shared memory per process id in /dev/shm and leaves them behind when it is killed (as a
    responder is, when a test moves its clock), and a later wrapper that happens to get the same process id
    then fails with "sem_open: File exists". A clock given as an absolute date is frozen and needs no sharing.
    A whole suite run under faketime (the month-end runs) hands its own settings down: they are replaced.
    """
    assert LIBFAKETIME is not None, "libfaketime is not installed"
    env = {name: value for name, value in os.environ.items() if not name.startswith("FAKETIME")}
    others = [entry for entry in env.get("LD_PRELOAD", "").replace(":", " ").split()
              if "libfaketime" not in entry]
    env["LD_PRELOAD"] = " ".join([LIBFAKETIME, *others])
    env["FAKETIME"] = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    env["TZ"] = "UTC"
    return env


def forget_frozen_clock(pid: int) -> None:
    """Removes what libfaketime kept in /dev/shm for process `pid`, which was killed before it could: it
    names a semaphore and a shared memory object after its process id and removes them only on a normal exit."""
    for name in (f"sem.faketime_sem_{pid}", f"faketime_shm_{pid}"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"/dev/shm/{name}")


class OpenSSLTSA:
    """Serves RFC 3161 over HTTP on 127.0.0.1, each reply made by `openssl ts -reply` at `now` (set by the test).

    Args:
        folder: where the authority keeps its key, certificates, serial file and configuration.
        now: the time the authority attests.
        valid_from, valid_until: the validity of its root and signing certificates.
        certificates: (root, signing certificate, key) to use instead of new ones (cryptography objects).
    """

    def __init__(self, folder: Path, now: datetime, valid_from: datetime, valid_until: datetime,
                 certificates=None):
        from cryptography.hazmat.primitives import serialization

        root, tsa, tsa_key = certificates or make_tsa_certificates(valid_from, valid_until)
        pem = serialization.Encoding.PEM
        self.folder, self.now, self.requests, self.down = folder, now, 0, False
        self.root_file = folder / "tsa-root.pem"
        self.root_file.write_bytes(root.public_bytes(pem))
        (folder / "tsa.pem").write_bytes(tsa.public_bytes(pem))
        (folder / "chain.pem").write_bytes(root.public_bytes(pem))
        key = folder / "tsa.key"
        key.write_bytes(tsa_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        key.chmod(0o600)
        (folder / "serial").write_text("01\n", encoding="ascii")
        self.config = folder / "openssl-tsa.cnf"
        self.config.write_text(CONFIG.format(folder=folder), encoding="utf-8")
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests += 1
                if owner.down:
                    self.send_error(503)
                    return
                reply = owner.reply(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tsa"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def reply(self, query: bytes) -> bytes:
        """OpenSSL's reply (DER TimeStampResp) to a DER TimeStampReq, with the clock at `now`."""
        with self._lock, tempfile.TemporaryDirectory(dir=self.folder) as scratch:
            request, response = Path(scratch) / "query.tsq", Path(scratch) / "reply.tsr"
            request.write_bytes(query)
            run = subprocess.run(["openssl", "ts", "-reply", "-config", str(self.config), "-queryfile", str(request),
                                  "-out", str(response)], capture_output=True, timeout=60, env=frozen_clock(self.now))
            if run.returncode:
                raise RuntimeError(f"openssl ts -reply failed: {run.stderr.decode(errors='replace')}")
            return response.read_bytes()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
