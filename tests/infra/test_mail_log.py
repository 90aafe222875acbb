"""Without MAIL_SERVER, development mail is readable by a person and still parseable by the tools."""
from __future__ import annotations

import email
import email.policy

from app.services.infra import mail


def test_dev_mail_log_shows_the_body_unencoded_after_the_mime_block(tmp_path):
    config = {"MAIL_FROM": "LMS <no-reply@localhost>", "INSTANCE_DIR": str(tmp_path)}
    body = "次のリンクを開いて、登録を完了してください。\nhttp://127.0.0.1:5000/register/confirm/abc\n"
    mail.send(config, "newbie@example.jp", "【つながりサポーター養成講座】登録の確認", body,
              attachments=[("invite.ics", "text/calendar", b"BEGIN:VCALENDAR")])
    text = (tmp_path / "mail.log").read_text(encoding="utf-8")
    block, after = text.split("\n----------------\n", 1)
    # A person sees the Japanese text and the link as they are, not base64.
    assert "次のリンクを開いて" in after and "http://127.0.0.1:5000/register/confirm/abc" in after
    assert "Subject: 【つながりサポーター養成講座】登録の確認" in after
    assert "[attachment: invite.ics (text/calendar)]" in after
    # The MIME block before it still parses to the same body (quality/trainees.py, tests/e2e read it).
    message = email.message_from_string(block.split("----- mail -----\n", 1)[1], policy=email.policy.default)
    assert message["To"] == "newbie@example.jp"
    assert message.get_body(("plain",)).get_content().strip() == body.strip()
