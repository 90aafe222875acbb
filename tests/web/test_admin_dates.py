"""Admin pages write dates as every other page does (2026年12月4日 14:05; in English December 4,
2026), not yyyy-MM-dd; only the audit log keeps its sortable timestamp with seconds."""
from __future__ import annotations

import datetime as dt

from app.extensions import db
from tests.factories import make_trainee


def test_the_user_page_uses_the_long_date(app, admin_client):
    user = make_trainee(email="dated@example.jp")
    user.created_at = dt.datetime(2026, 12, 4, 5, 5, tzinfo=dt.UTC)  # 14:05 in Japan
    db.session.commit()
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "2026年12月4日 14:05" in page and "2026-12-04" not in page
    english = admin_client.get(f"/admin/users/{user.id}", headers={"Accept-Language": "en"})
    text = english.get_data(as_text=True)
    assert "2026-12-04" not in text
