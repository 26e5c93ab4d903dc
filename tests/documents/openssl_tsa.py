"""An RFC 3161 timestamp authority on loopback whose replies `openssl ts -reply` makes (not pyHanko, not us).

OpenSSL lists the token's certificates signer first, as many real authorities do, not in DER order. Its
clock is fixed with faketime (a frozen clock for each reply), so the time it attests is the one the test
sets and nothing depends on today.
"""

from __future__ import annotations

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


def faketime_command(moment: datetime, *command: str) -> list[str]:
    """`command` run with its clock frozen at `moment` (libfaketime's faketime wrapper)."""
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return ["faketime", "-f", stamp, *command]


def openssl_env() -> dict[str, str]:
    """The environment for OpenSSL run by faketime: UTC, so the frozen wall clock is the UTC moment."""
    return {**os.environ, "TZ": "UTC"}


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
            subprocess.run(faketime_command(self.now, "openssl", "ts", "-reply", "-config", str(self.config),
                                            "-queryfile", str(request), "-out", str(response)),
                           check=True, capture_output=True, timeout=60, env=openssl_env())
            return response.read_bytes()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
