"""Sending e-mail: SMTP when configured, otherwise the console and instance/mail.log."""
from __future__ import annotations

import smtplib
import sys
from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any


def send(config: Mapping[str, Any], to: str, subject: str, body: str,
         attachments: list[tuple[str, str, bytes]] | None = None) -> EmailMessage:
    """Send one plain-text message; attachments are (filename, mime type, bytes)."""
    msg = EmailMessage()
    msg["From"] = config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    for filename, mime, data in attachments or []:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)

    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(msg)
    else:
        outbox = config.get("MAIL_OUTBOX")
        if outbox is not None:  # tests collect messages here
            outbox.append(msg)
        else:
            # The MIME block (base64 bodies, read back by the quality and e2e tools), then the same
            # message as plain text after it, so a person trying `make run` can read the link.
            text = f"----- mail -----\n{msg}\n----------------\n{readable(msg, body, attachments)}"
            print(text, file=sys.stderr)
            log = Path(config["INSTANCE_DIR"]) / "mail.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with open(log, "a", encoding="utf-8") as f:
                f.write(text)
    return msg


def readable(msg: EmailMessage, body: str, attachments: list[tuple[str, str, bytes]] | None) -> str:
    """The message as a person reads it: addressee, subject, body and attachment names, unencoded."""
    lines = [f"To: {msg['To']}", f"Subject: {msg['Subject']}", "", body.rstrip("\n")]
    lines += [f"[attachment: {filename} ({mime})]" for filename, mime, _ in attachments or []]
    return "\n".join(lines) + "\n================\n"
