"""`flask demo` fills the demo town's つなぐ先 with marked examples only, never a phone number."""
from __future__ import annotations

from app.extensions import db
from app.models import DirectoryEntry
from app.services import demo


def test_demo_directory_holds_marked_examples_without_numbers(app):
    demo.ensure_demo(db.session)
    demo.ensure_demo(db.session)  # idempotent
    found = db.session.query(DirectoryEntry).order_by(DirectoryEntry.id).all()
    assert len(found) == len(demo.DEMO_DIRECTORY) >= 2
    for entry in found:
        assert entry.municipality_code == demo.IKOMA and entry.name.startswith("【例】") and "デモ" in entry.name
        assert entry.phone is None
        assert not any(ch.isdigit() for ch in entry.helps_with + (entry.children_wording or "") + (entry.hours or ""))
    assert any(entry.is_for_children for entry in found)
