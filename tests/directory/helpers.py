"""Builders for the つなぐ先 tests: towns, their organisations and entries, platforms."""
from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.models import DirectoryEntry, EntryStatus, MemberState, Organisation, Platform, PlatformMember
from app.services.directory import entries

IKOMA, ZAMA = "292095", "142166"


def fields(**overrides) -> entries.EntryFields:
    values = {"name": "【例】いこま こころの相談室", "helps_with": "【例】暮らしや気持ちのこと、なんでも相談できます。",
              "audiences": ("anyone",), "checked_on": entries.today_jst(), "hours": "【例】平日 9時〜17時",
              "address": "【例】生駒市役所 1階", "run_by": "【例】生駒市"}
    values.update(overrides)
    return entries.EntryFields(**values)


def make_entry(code: str = IKOMA, *, days_old: int = 0, status: EntryStatus = EntryStatus.PUBLISHED,
               proposed_by: Organisation | None = None, **overrides) -> DirectoryEntry:
    checked = entries.today_jst() - dt.timedelta(days=days_old)
    entry = entries.add_entry(db.session, code, fields(checked_on=checked, **overrides), actor=None,
                              proposed_by=proposed_by)
    entry.status = status
    db.session.flush()
    return entry


def make_platform(runner: Organisation, *members: Organisation, state: MemberState = MemberState.ACTIVE) -> Platform:
    platform = Platform(organisation_id=runner.id, name=f"{runner.name} 官民連携プラットフォーム")
    db.session.add(platform)
    db.session.flush()
    for org in members:
        db.session.add(PlatformMember(platform_id=platform.id, organisation_id=org.id, state=state))
    db.session.flush()
    return platform
