"""PDF answers for every blueprint: the file itself, the pages shown when it cannot be made, and
one way to serve a certificate's PDF (its holder's and its organisation's downloads)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from app import jobs
from app.extensions import db
from app.models import Certificate
from app.models.base import utcnow
from app.services.certificates import issuing
from app.services.certificates.fonts import FontMissingError
from app.web.downloads import download


def pdf_response(data: bytes, filename: str, *, inline: bool = False) -> Response:
    return download(data, "application/pdf", filename, inline=inline)


def font_missing_page(error: FontMissingError) -> ResponseReturnValue:
    return render_template("errors/font_missing.html", error=error), 503


def database_unreachable(error: DBAPIError) -> bool:
    """The database itself is gone (app.errors answers 503), as opposed to refusing to store
    (a full disk, SQLSTATE class 53, a trigger, a missing privilege)."""
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    return error.connection_invalidated or isinstance(error, InterfaceError) or (
        isinstance(error, OperationalError) and not sqlstate.startswith("53"))


def storage_failed_page(error: DBAPIError, back_url: str) -> ResponseReturnValue:
    """The PDF could not be stored: say so plainly, and serve nothing that is not stored (its
    hash is what verification checks, so an unstored PDF could never be proven genuine)."""
    current_app.logger.error("certificate PDF not stored: %s", str(error).splitlines()[0])
    return render_template("errors/certificate_storage.html", retry_url=request.full_path.rstrip("?"),
                           back_url=back_url), 503, {"Retry-After": "30"}


# How long a first download waits for the PDF that the job queue renders after completion before
# rendering it itself (a worker that is down or far behind must not keep anyone waiting longer).
PRERENDER_WAIT = dt.timedelta(seconds=60)
PREPARING_RETRY_SECONDS = 2


def _render_on_the_way(cert: Certificate) -> bool:
    issued = cert.issued_at
    return (issued is not None and utcnow() - issued < PRERENDER_WAIT
            and jobs.render_pending(current_app._get_current_object(), cert.id))


def preparing_page(back_url: str) -> ResponseReturnValue:
    """202: the certificate was issued moments ago and a worker is rendering it; the page reloads
    itself into the download. At a peak (a live session ending together, issue 17) this keeps the web
    workers from rendering the same PDFs again beside the worker."""
    retry_url = request.full_path.rstrip("?")
    return (render_template("errors/certificate_preparing.html", retry_url=retry_url, back_url=back_url,
                            retry_after=PREPARING_RETRY_SECONDS),
            202, {"Retry-After": str(PREPARING_RETRY_SECONDS), "Cache-Control": "no-store"})


def certificate_pdf(cert: Certificate, *, back_url: str, card: bool = False,
                    unprintable: Callable[[issuing.UnprintableError], ResponseReturnValue]) -> ResponseReturnValue:
    """The certificate's PDF (or its wallet card), made and stored on first download; otherwise the
    page that says why not. `unprintable` answers when what the certificate holds cannot be printed."""
    make = issuing.card_pdf if card else issuing.pdf_bytes
    if not card and cert.pdf_sha256 is None and _render_on_the_way(cert):
        return preparing_page(back_url)
    try:
        data = make(db.session, cert, base_url=current_app.config["BASE_URL"])
        # Stores the certificate's PDF hash; for either, a logo stored before uploads were scaled
        # down is stored scaled now.
        db.session.commit()
    except FontMissingError as error:
        db.session.rollback()
        return font_missing_page(error)
    except issuing.UnprintableError as error:
        db.session.rollback()
        return unprintable(error)
    except DBAPIError as error:
        if card or database_unreachable(error):  # the card stores no PDF: nothing to explain
            raise
        db.session.rollback()
        return storage_failed_page(error, back_url)
    return pdf_response(data, f"{cert.serial}-card.pdf" if card else f"{cert.serial}.pdf")
