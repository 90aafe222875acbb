"""Files sent to the browser: one way to name them and to say whether anything may keep a copy."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response, current_app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Most downloads hold personal data: no cache between the server and the viewer may keep them.
PRIVATE = "private, no-store"


def download(body: bytes | str | Iterable[bytes], mimetype: str, filename: str, *, inline: bool = False,
             cache_control: str | None = PRIVATE) -> Response:
    """`body` sent as the file `filename` (quoted by Werkzeug where it must be, as send_file does);
    `cache_control` None leaves the header out."""
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", **_names(filename))
    if cache_control is not None:
        response.headers["Cache-Control"] = cache_control
    return response


def _names(filename: str) -> dict[str, str]:
    """As send_file names a file: a name beyond ASCII is also given in RFC 5987 form."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(filename, safe='!#$&+^`|~')}"}
    return {"filename": filename}
