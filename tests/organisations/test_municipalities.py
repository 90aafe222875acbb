import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Municipality, Prefecture
from app.services.organisations.municipalities import check_digit, code_problem, load_reference_data, search


def test_all_reference_data_is_loaded(app):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Prefecture)) == 47
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Municipality)) == 1741


def test_every_code_has_a_valid_check_digit(app):
    codes = db.session.scalars(sa.select(Municipality.code)).all()
    bad = [c for c in codes if check_digit(c[:5]) != int(c[5])]
    assert bad == []
    lg_codes = db.session.scalars(sa.select(Prefecture.lg_code)).all()
    assert [c for c in lg_codes if check_digit(c[:5]) != int(c[5])] == []


@pytest.mark.parametrize("code, prefecture, name", [
    ("292095", "奈良県", "生駒市"),
    ("142166", "神奈川県", "座間市"),
    ("131016", "東京都", "千代田区"),
    ("011002", "北海道", "札幌市"),
    ("394050", "高知県", "梼原町"),  # the Ministry's spelling, not 檮原町
])
def test_known_municipalities(app, code, prefecture, name):
    m = db.session.get(Municipality, code)
    assert (m.prefecture.name, m.name) == (prefecture, name)
    assert m.url.startswith("https://")


def test_loading_twice_changes_nothing(app):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Municipality))
    load_reference_data(db.session)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Municipality)) == before


@pytest.mark.parametrize("code, kind", [
    ("292095", None),
    ("29209", "missing_check_digit"),
    ("292096", "check_digit"),
    ("29209a", "format"),
    ("1234567", "format"),
    ("", "format"),
    ("999997", "unknown"),  # valid check digit, no such body
])
def test_code_problems(app, code, kind):
    assert check_digit("99999") == 7
    problem = code_problem(code, db.session)
    assert (problem.kind if problem else None) == kind


def test_search_by_reading_puts_ikoma_first(app):
    assert search(db.session, "いこま")[0].code == "292095"
    assert search(db.session, "イコマ")[0].code == "292095"
    assert search(db.session, "生駒")[0].code == "292095"
    assert [m.code for m in search(db.session, "2920")][:1] == ["292010"]
    assert search(db.session, "") == []


def test_api_search_and_prefecture(client):
    rows = client.get("/api/municipalities?q=いこま").get_json()
    assert rows[0] == {"code": "292095", "name": "生駒市", "kana": "いこまし", "prefecture": "奈良県",
                       "prefecture_code": "29", "url": rows[0]["url"]}
    nara = client.get("/api/municipalities?prefecture=29").get_json()
    assert len(nara) == 39 and all(r["prefecture"] == "奈良県" for r in nara)
    hokkaido = client.get("/api/municipalities?prefecture=01").get_json()
    assert len(hokkaido) == 179
    assert client.get("/api/municipalities?prefecture=xx").status_code == 400
    assert client.get("/api/municipalities?q=292").get_json()[0]["code"].startswith("292")
