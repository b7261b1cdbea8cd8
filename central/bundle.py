"""The II.7 evidence bundle (issue 18): one ZIP a commune files as the evidence of its year — the II.7
workbook and PDF of each quarter begun and of the year, the questionnaire results, the verification codes
those tables were issued with, the vote list with its digest, the annex of "Việc cần khắc phục" — and a
README.txt listing the files and the codes.

The ZIP is streamed: each file is written into it as it is made and sent at once (the vote list row by
row, as ``/export/votes.csv`` sends it), so memory stays flat and the first bytes leave before the last
table is built. A ZIP written to a stream that cannot seek carries each entry's sizes after its data, which
every unzip tool reads."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date, datetime
from typing import Iterator

from rating import period as periods
from rating.period import LOCAL_TZ
from rating.report import render
from rating.report.text import ANNEX_HEAD, ANNEX_TITLE

from central import actions, ii7
from central.runtime import activate, current, deactivate
from central.source import Source


def file_name(unit_id: str, year: int) -> str:
    """``minh-chung-II7-<unit>-<year>.zip``."""
    return f"minh-chung-II7-{unit_id}-{year}.zip"


def periods_of(year: int, today: date) -> list[periods.Period]:
    """The quarters of ``year`` begun by ``today``, then the year itself."""
    return [periods.quarter(year, q) for q in range(1, 5) if periods.quarter(year, q).d_from <= today] + \
        [periods.year(year)]


class _Sink:
    """What the ZIP writes into: bytes kept until the stream takes them (no seek, no tell: the ZIP then
    writes each entry's sizes after its data)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def _in_runtime(rt, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks`` with ``rt`` the current runtime while each is made: the server iterates a streamed body
    after the request's own activation has ended."""
    while True:
        token = activate(rt)
        try:
            chunk = next(chunks, None)
        finally:
            deactivate(token)
        if chunk is None:
            return
        yield chunk


def stream(target: ii7.Target, year: int, vote_rows, base_url: str = "") -> Iterator[bytes]:
    """The bundle of ``target`` (a commune or a centre) for ``year``, as chunks of the ZIP; ``vote_rows``
    writes the vote list (``(alias, kiosks, from, to)`` -> text chunks: the one ``/export/votes.csv`` streams)."""
    return _in_runtime(current(), _chunks(current().alias, target, year, vote_rows, base_url))


def _chunks(alias: str, target: ii7.Target, year: int, vote_rows, base_url: str) -> Iterator[bytes]:
    unit_id = target.unit.id
    today = datetime.fromtimestamp(current().clock(), LOCAL_TZ).date()
    sink = _Sink()
    zf = zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED)
    listed: list[tuple[str, str]] = []   # (file, what it is)
    codes: list[tuple[str, str, str]] = []   # (period, code, where to check it)

    def add(name: str, data: bytes, what: str) -> bytes:
        zf.writestr(name, data)
        listed.append((name, what))
        return sink.take()

    year_model = None
    for p in periods_of(year, today):
        model = ii7.build_for(alias, target, p.d_from, p.d_to, base_url)
        for fmt, what in (("xlsx", "biểu II.7, Excel"), ("pdf", "biểu II.7, PDF")):
            yield add(f"II7-{unit_id}-{p.slug}.{fmt}", render(model, fmt), f"{what} — {p.label}")
        codes.append((p.label, model.verification_code or "", model.verification_url))
        year_model = model
    questionnaires = json.dumps(year_model.to_dict()["questionnaires"], ensure_ascii=False, indent=2)
    yield add(f"ket-qua-phieu-khao-sat-{unit_id}-{year}.json", questionnaires.encode(),
              f"kết quả phiếu khảo sát năm {year} (cũng là các trang «Phiếu KS» của biểu II.7 cả năm)")
    yield add(f"ma-kiem-tra-{unit_id}-{year}.csv", _csv([("ky", "ma_kiem_tra", "kiem_tra_tai"), *codes]),
              "mã kiểm tra của từng biểu II.7")

    votes_name = f"phieu-{unit_id}-{year}.csv"
    kiosks = year_model.verification.kiosk_ids
    digest = hashlib.sha256()
    with zf.open(zipfile.ZipInfo(votes_name, date_time=today.timetuple()[:6]), "w", force_zip64=True) as entry:
        if kiosks:
            for text in vote_rows(alias, kiosks, date(year, 1, 1), date(year, 12, 31)):
                data = text.encode("utf-8")
                digest.update(data)
                entry.write(data)
                yield sink.take()
    listed.append((votes_name, f"danh sách phiếu năm {year} (như tải từ máy chủ: /export/votes.csv)"))
    digests = (f"{year_model.verification.votes_sha256}  mã băm Kiểm chứng của năm {year} (SHA-256 các giá trị cột hash, "
               f"cách tính: docs/report.md)\n{digest.hexdigest()}  {votes_name}\n")
    yield add(f"phieu-{unit_id}-{year}.sha256.txt", digests.encode(), "mã băm của danh sách phiếu")

    lines = actions.annex(Source(alias), kiosks, date(year, 1, 1), date(year, 12, 31), today)
    rows = [ANNEX_HEAD] + [[str(i + 1), a.counter, a.week, str(a.low), a.levels, a.reasons, a.due, a.status, a.action]
                           for i, a in enumerate(lines)]
    yield add(f"phu-luc-viec-can-khac-phuc-{unit_id}-{year}.csv", _csv(rows), f"{ANNEX_TITLE} năm {year}")

    readme = [f"BỘ MINH CHỨNG BIỂU II.7 — {target.unit.name} — năm {year}",
              f"Lập ngày {today.strftime('%d/%m/%Y')} từ máy chủ trung tâm.", "", "Các tệp:"]
    readme += [f"- {name}: {what}" for name, what in listed]
    readme += ["", "Mã kiểm tra (đối chiếu bản in tại trang kiểm tra công khai):"]
    readme += [f"- {label}: {code}" + (f" — {url}" if url else "") for label, code, url in codes]
    readme += ["", f"Mã băm Kiểm chứng của năm: {year_model.verification.votes_sha256}",
               f"SHA-256 của tệp {votes_name}: {digest.hexdigest()}"]
    if len(codes) < 5:
        readme.append("Quý chưa bắt đầu vào ngày lập chưa có biểu.")
    yield add("README.txt", ("\n".join(readme) + "\n").encode("utf-8"), "tệp này")
    zf.close()
    yield sink.take()


def _csv(rows) -> bytes:
    """Rows as a CSV for a spreadsheet (UTF-8 with a BOM; text from people escaped against formulas)."""
    from rating.export import safe_cell
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
