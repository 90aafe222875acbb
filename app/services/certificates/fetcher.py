"""A WeasyPrint URL fetcher that only serves a template's own files, the fonts and data: URIs."""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from urllib.request import url2pathname

__all__ = ["AssetFetcher", "ForbiddenResourceError"]

# An asset bigger than this is a mistake or an attack, not a logo or a border.
MAX_ASSET_BYTES = 5 * 1024 * 1024

_MIME_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


class ForbiddenResourceError(PermissionError):
    """A certificate tried to load something outside its allow-list."""


class AssetFetcher:
    """Serve file:// URLs inside one folder, a fixed set of font files and data: URIs."""

    def __init__(self, root: Path, extra_files: Iterable[Path] = ()) -> None:
        self.root = Path(root).resolve(strict=True)
        self.extra_files = frozenset(Path(p).resolve() for p in extra_files)
        # WeasyPrint logs fetch errors and carries on, so the caller reads this
        # list afterwards and refuses a document that lost a resource.
        self.failures: list[tuple[str, str]] = []

    def __call__(self, url: str, timeout: float = 10, ssl_context: object = None,
                 http_headers: object = None) -> dict:
        """Fetch one URL for WeasyPrint, or raise."""
        try:
            return self.fetch(url)
        except Exception as exc:
            self.failures.append((url[:200], f"{type(exc).__name__}: {exc}"))
            raise

    def fetch(self, url: str) -> dict:
        """Return WeasyPrint's resource dict for an allowed URL; raise otherwise."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return _decode_data_uri(url)
        if scheme == "file":
            return self._fetch_file(url)
        raise ForbiddenResourceError(f"only template files and data: URIs are allowed, not {url[:100]!r}")

    def allows(self, path: Path) -> bool:
        """Say whether a resolved path is inside the template folder or an allowed font."""
        return path in self.extra_files or path.is_relative_to(self.root)

    def _fetch_file(self, url: str) -> dict:
        """Read an allowed local file."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ForbiddenResourceError(f"remote file URL refused: {url[:100]!r}")
        requested = Path(url2pathname(unquote(parts.path)))
        # Resolving follows symlinks and removes '..', so a link or a relative
        # path that leaves the folder is judged by where it really points.
        try:
            path = requested.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            if self.allows(requested.resolve()):
                raise FileNotFoundError(f"missing asset: {requested}") from exc
            raise ForbiddenResourceError(f"file outside the template refused: {requested}") from exc
        if not self.allows(path):
            raise ForbiddenResourceError(f"file outside the template refused: {requested}")
        if not path.is_file():
            raise FileNotFoundError(f"not a file: {path}")
        # Fonts are system files we chose; the limit is for what templates bring.
        if path not in self.extra_files and path.stat().st_size > MAX_ASSET_BYTES:
            raise ForbiddenResourceError(f"asset larger than {MAX_ASSET_BYTES} bytes: {path}")
        mime = _MIME_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
        return {"string": path.read_bytes(), "mime_type": mime, "redirected_url": url, "path": str(path)}


def _decode_data_uri(url: str) -> dict:
    """Decode a data: URI without handing it to urllib."""
    header, sep, payload = url[5:].partition(",")
    if not sep:
        raise ValueError("malformed data: URI")
    params = header.split(";")
    mime = params[0].strip().lower() or "text/plain"
    if "base64" in (p.strip().lower() for p in params[1:]):
        data = base64.b64decode(unquote(payload), validate=False)
    else:
        data = unquote_to_bytes(payload)
    if len(data) > MAX_ASSET_BYTES:
        raise ForbiddenResourceError(f"data: URI larger than {MAX_ASSET_BYTES} bytes")
    charset = next(
        (p.split("=", 1)[1].strip() for p in params[1:] if p.strip().lower().startswith("charset=")),
        None,
    )
    result = {"string": data, "mime_type": mime}
    if charset:
        result["encoding"] = charset
    return result
