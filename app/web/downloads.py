"""Files sent to the browser: one way to name them and to say whether anything may keep a copy."""
from __future__ import annotations

from collections.abc import Iterable

from flask import Response, current_app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Most downloads hold personal data: no cache between the server and the viewer may keep them.
PRIVATE = "private, no-store"


def download(body: bytes | str | Iterable[bytes], mimetype: str, filename: str, *, inline: bool = False,
             cache_control: str | None = PRIVATE) -> Response:
    """`body` sent as the file `filename` (quoted by Werkzeug where it must be, as send_file does);
    `cache_control` None leaves the header out."""
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", filename=filename)
    if cache_control is not None:
        response.headers["Cache-Control"] = cache_control
    return response
