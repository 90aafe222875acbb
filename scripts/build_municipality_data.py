"""Rebuild app/data/{prefectures,municipalities}.csv from the localgovjp snapshot.

Usage: python scripts/build_municipality_data.py ../shared/data/localgovjp
The output is committed; the app never downloads reference data at run time.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "app" / "data"
PROVENANCE = (
    "# Derived from code4fukui/localgovjp (CC0), snapshot 2026-07-09, by "
    "scripts/build_municipality_data.py. 394050 spelled 梼原町 as in the Ministry's list.\n"
)
# The Ministry of Internal Affairs spells 394050 with 梼; the snapshot has 檮.
SPELLING = {"394050": "梼原町"}


def main(src: Path) -> None:
    with open(src / "prefjp-utf8.csv", encoding="utf-8-sig", newline="") as f:
        prefs = list(csv.DictReader(f))
    with open(src / "localgovjp-utf8.csv", encoding="utf-8-sig", newline="") as f:
        cities = [row for row in csv.DictReader(f) if " " not in row["city"]]
    assert len(prefs) == 47, len(prefs)
    assert len(cities) == 1741, len(cities)

    with open(OUT / "prefectures.csv", "w", encoding="utf-8", newline="") as f:
        f.write(PROVENANCE)
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "lg_code", "name", "kana", "name_en", "url"])
        for p in prefs:
            lg = p["lgcode"].zfill(6)
            w.writerow([lg[:2], lg, p["pref"], p["prefkana"], p["pref_en"], p["url"]])

    with open(OUT / "municipalities.csv", "w", encoding="utf-8", newline="") as f:
        f.write(PROVENANCE)
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "prefecture_code", "name", "kana", "url"])
        for c in sorted(cities, key=lambda r: r["lgcode"]):
            code = c["lgcode"].zfill(6)
            w.writerow([code, code[:2], SPELLING.get(code, c["city"]), c["citykana"], c["url"]])


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/localgovjp"))
