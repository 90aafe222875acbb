"""Files for Excel: CSV in UTF-8 with a byte-order mark, and XLSX; both safe from formula injection."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

# A cell starting with one of these is run as a formula by Excel (=HYPERLINK(...), +cmd|...).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | dt.date | dt.datetime | None
JST = ZoneInfo("Asia/Tokyo")


def _local(value: dt.datetime) -> dt.datetime:
    """Stored times are UTC; Excel has no time zones, so write the Japan time people expect."""
    return value.astimezone(JST).replace(tzinfo=None) if value.tzinfo is not None else value


def neutralise(value: Cell) -> Cell:
    """Text that Excel would read as a formula gets a leading quote, so it shows as typed."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with BOM and CRLF: Excel on Windows opens it with the Japanese intact."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(_text(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: list[Sequence[Cell]]
    # Lines written above the table (what the sheet is, for whom, when).
    caption: Sequence[str] = ()


def _write_cell(cell: Any, value: object) -> None:
    cell.value = value
    if isinstance(value, str):
        # openpyxl stores text starting with "=" as a formula; keep it text.
        cell.data_type = "s"
    if isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(title=sheet.title[:31])
        for line in sheet.caption:
            ws.append([line])
            # Captions hold user text too (a cohort title, an organisation name): text, never a formula.
            ws.cell(row=ws.max_row, column=1).data_type = "s"
        if sheet.caption:
            ws.cell(row=1, column=1).font = Font(bold=True, size=13)
            ws.append([])
        header_row = ws.max_row + 1 if sheet.caption else 1
        widths = [len(str(h)) for h in sheet.header]
        for col, title in enumerate(sheet.header, start=1):
            cell = ws.cell(row=header_row, column=col, value=title)
            cell.font = Font(bold=True)
        for r, row in enumerate(sheet.rows, start=header_row + 1):
            for col, value in enumerate(row, start=1):
                if isinstance(value, dt.datetime):
                    value = _local(value)
                _write_cell(ws.cell(row=r, column=col), value)
                if col <= len(widths):
                    widths[col - 1] = max(widths[col - 1], len(_text(value)))
        for col, width in enumerate(widths, start=1):
            # Japanese characters are about twice as wide as the digits Excel measures in.
            ws.column_dimensions[get_column_letter(col)].width = min(max(width * 2, 8), 60)
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
