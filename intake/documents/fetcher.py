"""Provides the deny-all URL fetcher: WeasyPrint may load the project's own template assets and nothing else."""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Mapping
from typing import Any

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

#: The only URL scheme served: `intake-asset:NAME` names a file in templates/assets/.
SCHEME = "intake-asset"
BASE_URL = f"{SCHEME}:"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\.(css|svg|png)")
MIME_TYPES = {"css": "text/css", "svg": "image/svg+xml", "png": "image/png"}


class ResourceBlocked(FatalURLFetchingError):
    """A template or document asked for a resource that is not one of the template assets.

    It derives from WeasyPrint's FatalURLFetchingError, so the render stops at once.
    """

    def __init__(self, url: str, why: str):
        self.url = url
        self.why = why
        super().__init__(f"blocked {shorten(url)}: {why}")


def shorten(url: str, limit: int = 120) -> str:
    """A URL cut to a readable length for messages."""
    return url if len(url) <= limit else url[:limit] + "…"


class TemplateAssetFetcher(URLFetcher):
    """Serves `intake-asset:NAME` from an in-memory copy of templates/assets/; blocks everything else.

    No network handler, file handler or data: URL is ever used: `fetch` never calls the parent.
    The last requests are logged in `requests` (thread-safe), so tests can prove nothing was fetched.
    """

    def __init__(self, assets: Mapping[str, bytes]):
        super().__init__(fail_on_errors=True, allowed_protocols=(SCHEME,), allow_redirects=False)
        self._assets = dict(assets)
        self._lock = threading.Lock()
        self.requests: deque[str] = deque(maxlen=1000)
        self.blocked: list[ResourceBlocked] = []

    def begin(self) -> None:
        """Starts a render: forgets what was blocked before (renders run one at a time)."""
        with self._lock:
            self.blocked.clear()

    def fetch(self, url: str, headers: Any = None) -> Any:  # noqa: ARG002 - signature fixed by WeasyPrint
        """Returns a template asset, or aborts the render for any other URL.

        WeasyPrint swallows even fatal errors while it draws SVG images, so every refusal is
        also kept in `blocked`, and the renderer fails the render when that list is not empty.
        """
        with self._lock:
            self.requests.append(url)
        try:
            return self._serve(url)
        except ResourceBlocked as refusal:
            with self._lock:
                self.blocked.append(refusal)
            raise

    def _serve(self, url: str) -> Any:
        if not isinstance(url, str) or not url.startswith(BASE_URL):
            scheme = url.split(":", 1)[0].lower() if isinstance(url, str) and ":" in url else ""
            why = f"the {scheme}: scheme is not allowed" if scheme else "relative and external URLs are not allowed"
            raise ResourceBlocked(str(url), f"{why}; documents may only use {SCHEME}:NAME for files in "
                                  "templates/assets/")
        name = url[len(BASE_URL):]
        if not _NAME.fullmatch(name):
            raise ResourceBlocked(url, "asset names are lower-case file names ending in .css, .svg or .png")
        body = self._assets.get(name)
        if body is None:
            raise ResourceBlocked(url, f"there is no templates/assets/{name}")
        mime = MIME_TYPES[name.rsplit(".", 1)[1]]
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime}, status=200)


def blocked_message(exc: BaseException) -> str:
    """What to tell staff when a template tried to load something the fetcher refused."""
    cause: BaseException | None = exc
    while cause is not None:
        url = getattr(cause, "url", None)
        if url is not None:
            why = getattr(cause, "why", "refused")
            return (f"a document template tried to load {shorten(url)} ({why}). The render was stopped; "
                    "nothing was fetched.")
        cause = cause.__cause__
    return f"a document template tried to load a resource that is not allowed ({exc}). The render was stopped."
