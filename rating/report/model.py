"""The II.7 report model: every number of the Bảng tổng hợp, computed once, rendered many ways.

**Vote source contract** (the kiosk's store today, the central service's database too). The model
reads only through ``source.query(sql, params) -> list[tuple]`` (:class:`rating.totals.VoteSource`),
with ``?`` placeholders and SQL that runs unchanged on SQLite and PostgreSQL: no ``strftime`` or
``julianday``; the hour is ``substr(local_time, 12, 2)``; the weekday is computed in Python from
``local_date``; ``flag IS NOT NULL`` may come back as a bool or an int. It reads two tables:

- ``votes``: ``kiosk_id, seq, uuid, counter_id, officer, level, scale, source, local_time,
  local_date, flag, out_of_hours, hash, prev_hash`` (``local_time`` is ISO 8601 with its offset,
  ``local_date`` is ``YYYY-MM-DD``);
- ``vote_reasons``: ``vote_uuid, element``.

It may be narrowed to a list of kiosk ids (a centre may have several kiosks) and of officer codes.
The counters' names come from the caller (the kiosk's configuration, or the service's registry).

**Rules** (defined once, in :mod:`rating.rate`). Flagged votes (repeats within the misuse window) are never counted; they are shown beside
the counts as "Phiếu bị loại". Out-of-hours votes are counted unless the settings say otherwise (the
Kiểm chứng section says which). Only votes on the report's scale are counted; votes on any other
scale (after a change of scale) are reported apart, on their own scale, never converted. Satisfied
is RHL + HL on every scale. Percentages are rounded half up to one decimal (as spreadsheets'
ROUND does, so the workbook's formulas agree with the model to the digit); a group of fewer than
the minimum sample (``settings.min_n``, :data:`rating.rate.MIN_N` unless configured) is marked
"(*) chưa đủ mẫu"; every other group carries its 95 % Wilson interval (``ci_low``, ``ci_high``) in the
Ghi chú column, and "chưa chắc chắn" when that interval straddles the target (:mod:`rating.rate`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Mapping, Sequence

from rating import chain
from rating.units import Counter
from rating.period import LOCAL_TZ, WEEKDAYS_VI, Period, between, date_line, date_vi
from rating.vote import DEMO_SOURCE, SAME_TICKET
from rating import vnformat
from rating.rate import MIN_N, Kind, ResponseFlag, ResponseRate, Rule, count_filter, is_satisfied, tied_sql, pct, satisfied, small_sample, uncertain, verdict, wilson
from rating.scales import SCALES, Scale, get_scale
from rating.sipas import ELEMENTS
from rating.totals import VoteSource
from rating.report.questionnaires import QuestionnaireSection, questionnaire_sections

SMALL_SAMPLE = MIN_N   # the default minimum sample (rating.rate.MIN_N; a report's settings.min_n may differ)
DEFAULT_TARGET_PCT = 90.0
TITLE = ("BẢNG TỔNG HỢP KẾT QUẢ KHẢO SÁT, ĐÁNH GIÁ SỰ HÀI LÒNG CỦA NGƯỜI DÂN ĐỐI VỚI SỰ PHỤC VỤ "
         "CỦA TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG")
DEFAULT_QUESTION = "Ông/Bà có hài lòng với sự phục vụ của Trung tâm Phục vụ hành chính công không?"
ROUNDING_NOTE = "Các tỷ lệ được làm tròn đến một chữ số thập phân."
SMALL_SAMPLE_MARK = "(*) chưa đủ mẫu"
NOTE_HEAD = "Ghi chú (KTC 95 %)"   # the rate tables' Ghi chú column: a row's 95 % interval, or why it has none


def small_sample_note(min_n: int = MIN_N) -> str:
    """The note that says what "(*) chưa đủ mẫu" means."""
    return (f"(*) Chưa đủ mẫu: dưới {min_n} phiếu được tính; vẫn ghi số phiếu và tỷ lệ nhưng không xếp hạng, "
            "không kết luận so với đơn vị khác.")


SMALL_SAMPLE_NOTE = small_sample_note()
INTERVAL_NOTE = ("KTC 95 %: khoảng tin cậy 95 % (cột Ghi chú, ví dụ 84,9–91,2), tính theo phương pháp Wilson (khoảng điểm "
                 "Wilson, không hiệu chỉnh liên tục, z = 1,959964), hai đầu làm tròn đến một chữ số thập phân: với 95 % độ "
                 "tin cậy, tỷ lệ hài lòng thật nằm trong khoảng ấy. Ghi hai đầu khoảng, không ghi ±, vì khoảng không đối "
                 "xứng (gần 100 % khoảng dài về phía dưới hơn).")
VERDICT_NOTE = ("Kết quả Đạt / Chưa đạt so sánh tỷ lệ hài lòng (đã làm tròn) với chỉ tiêu; \"chưa chắc chắn\" khi khoảng "
                "tin cậy 95 % chứa cả giá trị dưới và từ chỉ tiêu trở lên.")
UNCERTAIN = "chưa chắc chắn"


def response_note(rate: ResponseRate) -> str:
    """The notes' line on the response rate (issue 18): votes per served transaction over the days and
    counters whose served numbers were given, and what it says when it is flagged."""
    shown = "—" if rate.pct is None else vnformat.percent(rate.pct)
    words = (f"Tỷ lệ phản hồi (số phiếu được tính / số giao dịch đã phục vụ, trên các ngày và quầy có số giao dịch): "
             f"{shown} ({vnformat.integer(rate.votes)} phiếu / {vnformat.integer(rate.served or 0)} giao dịch)")
    if rate.flag is ResponseFlag.NOT_REPRESENTATIVE:
        words += "; dưới 10 %: chưa đại diện"
    elif rate.flag is ResponseFlag.MORE_VOTES:
        words += "; nhiều phiếu hơn giao dịch"
    return words + "."


def clock_suspect_note(n: int) -> str:
    """The note a report carries when ``n`` of the votes it files under a day were taken while the kiosk could
    not trust its clock (rating.vote's reasons): their day is the kiosk's clock's, which may be wrong."""
    return (f"{n} phiếu được ghi khi đồng hồ của máy không đáng tin cậy (chưa đồng bộ giờ, bị chỉnh lùi hoặc lệch "
            f"so với máy chủ): các phiếu này được xếp theo ngày của đồng hồ máy, có thể không đúng ngày.")


def tied_note(tied: int, counted: int, same_ticket: int) -> str:
    """The notes' line on ratings tied to a transaction (issue 18): how many counted votes came with the
    ticket or dossier number of the transaction rated, and how many second ratings of one number were set aside."""
    words = (f"Phiếu gắn với giao dịch (có số phiếu hoặc mã hồ sơ, lưu dưới dạng mã băm có khoá, không lưu số): "
             f"{vnformat.integer(tied)} trên {vnformat.integer(counted)} phiếu được tính")
    if same_ticket:
        words += (f"; {vnformat.integer(same_ticket)} phiếu đánh giá lại cùng một số trong ngày bị loại "
                  "(mỗi giao dịch chỉ tính một phiếu)")
    return words + "."


def tied_count(source: VoteSource, rule: Rule, d_from: date, d_to: date, kiosk_ids: Sequence[str] | None,
               officers: Sequence[str] | None, seqs: tuple[int, int] | None = None) -> tuple[int, int]:
    """Of the votes a report reads in ``d_from``..``d_to``: the counted ones tied to a transaction, and the
    second ratings of one number (flagged ``same_ticket``). ``seqs``: see :attr:`PeriodData.seqs`."""
    where, params = _where(d_from, d_to, kiosk_ids, officers)
    if seqs is not None:   # where the counts stop too; SQLite then reads the period's rows in seq order
        where, params = where + " AND seq BETWEEN ? AND ?", [*params, *seqs]
    tied, tied_params = tied_sql(rule, source)
    # Both counts in one read of the period's votes (neither column is in an index the period is read by:
    # each count alone read every vote of it, 0.3 s a year on the kiosk).
    rows = source.query(f"SELECT count(CASE WHEN ({tied}) THEN 1 END), "
                        f"count(CASE WHEN flag = ?{count_filter(source)} THEN 1 END) FROM votes WHERE {where}",
                        [*tied_params, SAME_TICKET, *params])
    return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)


def clock_suspect_count(source: VoteSource, d_from: date, d_to: date, kiosk_ids: Sequence[str] | None,
                        officers: Sequence[str] | None, seqs: tuple[int, int] | None = None) -> int:
    """How many of the votes a report counts in ``d_from``..``d_to`` are clock-suspect (``seqs``: see
    :attr:`PeriodData.seqs`)."""
    where, params = _where(d_from, d_to, kiosk_ids, officers)
    if seqs is not None:
        # Where the counts stop too; and with it SQLite answers from the kiosk's small index of
        # clock-suspect votes (votes_clock_suspect) instead of reading every vote of the period (0.3 s a year).
        where, params = where + " AND seq BETWEEN ? AND ?", [*params, *seqs]
    rows = source.query(f"SELECT count(*) FROM votes WHERE {where}{count_filter(source)} "
                        "AND clock_suspect IS NOT NULL", params)
    return int(rows[0][0]) if rows else 0


FLAGGED_NOTE = ("Phiếu bị loại: phiếu bấm lặp lại tại cùng quầy trong thời gian chống bấm trùng; "
                "không tính vào tổng số phiếu.")
# Printed in Kiểm chứng: everything an inspector needs to recompute the digest from a raw export (which
# votes: local_date in the period, flagged and other-scale ones too; which column; the order; the bytes).
DIGEST_RECIPE = ("SHA-256 (hex, chữ thường) của giá trị cột hash của mọi phiếu có local_date trong kỳ (kể cả "
                 "phiếu bị loại và phiếu theo thang khác), mỗi giá trị một dòng kết thúc bằng \\n, xếp theo "
                 "kiosk_id rồi seq tăng dần; danh sách phiếu thô đúng thứ tự ấy (cột hash là cột 13): lệnh "
                 "python main.py report --format votes trên kiosk, hoặc tải danh sách phiếu từ máy chủ trung tâm; "
                 "cách làm và ví dụ: docs/report.md")
# (13 is rating.report.votes.HASH_COLUMN, and the central download's hash column too: a test holds them equal.)
BY_CHOICES = ("counter", "officer", "day", "month")
# Printed on every page and sheet of a report made from demo data, so that it is never filed as evidence.
DEMO_MARK = "DỮ LIỆU THỬ NGHIỆM — KHÔNG DÙNG LÀM MINH CHỨNG"
# In the questionnaire section's place when nothing was answered in the period (II.7's Quý IV line asks for it).
NO_QUESTIONNAIRE = "Chưa có phiếu khảo sát nào được trả lời trong kỳ."


def coverage_line(period: Period, made_on: date) -> str:
    """What the numbers cover, printed under the period's label, when the period is not over on
    ``made_on`` (the report's making day): "(số liệu từ 01/10/2026 đến 22/11/2026)"; a period not yet
    begun says so; "" for a period already over (its label says it all)."""
    if period.d_to <= made_on:
        return ""
    if made_on < period.d_from:
        return f"(kỳ bắt đầu từ {date_vi(period.d_from)}: chưa có số liệu)"
    return f"(số liệu từ {date_vi(period.d_from)} đến {date_vi(made_on)})"


@dataclass(frozen=True)
class ReportUnit:
    """Who issues the report: the header blocks, the date line and the signature block ([report] keys)."""

    parent_unit: str = ""                       # the body above the issuer, e.g. "UBND XÃ NINH GIANG"
    unit: str = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"
    place: str = ""                             # địa danh in the date line
    preparer: str = ""                          # NGƯỜI LẬP BẢNG
    head: str = ""                              # THỦ TRƯỞNG ĐƠN VỊ
    centre: str = ""                            # the centre's full name (the kiosk's [kiosk] centre)
    officers: Mapping[str, str] = field(default_factory=dict)   # officer code -> name, reports only


@dataclass(frozen=True)
class ReportSettings:
    """Choices that change what is counted or printed; the Kiểm chứng section states each of them."""

    by: str = "counter"                  # the Tổng hợp table's rows: counter | officer | day | month
    include_out_of_hours: bool = True    # button-box votes outside opening hours are real answers
    appendix: str | None = None          # e.g. "Phụ lục I": printed above the title when given
    question: str = DEFAULT_QUESTION
    software_version: str = ""
    min_n: int = MIN_N                    # fewer counted votes in a row: "(*) chưa đủ mẫu" ([report] min_n)
    generated_at: datetime | None = None  # default: now (Hải Phòng's time) when the model is built
    issued_on: date | None = None         # the date line's date; default: the day the model is built
    demo: bool = False                    # the embedded demo centre or a rehearsal: marked on every page


@dataclass
class Row:
    """One line of a table: a group of votes on the report's scale."""

    key: str
    label: str
    levels: dict[str, int]
    total: int
    satisfied: int
    flagged: int
    level_pct: dict[str, float | None]
    satisfied_pct: float | None
    small_sample: bool
    target_met: bool | None      # None when nothing was counted
    extra: dict[str, Any] = field(default_factory=dict)
    ci_low: float | None = None   # the 95 % Wilson interval, percent (None when nothing was counted)
    ci_high: float | None = None
    verdict: str = ""             # rating.rate.Verdict: dat, chua_dat or chua_du_mau
    uncertain: bool = False       # the interval straddles the target: "chưa chắc chắn"
    response_pct: float | None = None   # votes per served transaction: null until served counts exist

    @property
    def note(self) -> str:
        """The Ghi chú cell: "(*) chưa đủ mẫu" below the minimum sample, else the 95 % interval (and "chưa
        chắc chắn" when it straddles the target); "" without counted votes."""
        if self.small_sample:
            return SMALL_SAMPLE_MARK
        if self.ci_low is None:
            return ""
        words = vnformat.interval((self.ci_low, self.ci_high))
        return f"{words}; {UNCERTAIN}" if self.uncertain else words


@dataclass
class Table:
    """Rows and their Tổng cộng."""

    key_name: str        # "Quầy", "Công chức", "Ngày", "Tháng"
    rows: list[Row]
    total: Row


@dataclass
class OtherScale:
    """Votes cast on another scale than the report's, counted on their own scale."""

    scale: str
    name: str
    codes: tuple[str, ...]
    table: Table


@dataclass
class HourGrid:
    """Counted votes and satisfaction by hour of day (rows) and weekday (columns, Monday first)."""

    hours: list[int]
    weekdays: list[str]
    votes: list[list[int]]
    satisfied: list[list[int]]
    pct: list[list[float | None]]


@dataclass
class Reason:
    """A SIPAS element and how many counted low ratings cited it."""

    element: str
    label: str
    count: int
    share_pct: float | None   # of the low ratings (below HL) counted in the period


@dataclass
class ChainCheck:
    """What was checked of one kiosk's hash chain for this report."""

    kiosk_id: str
    ok: bool
    checked: str            # what was verified, in Vietnamese
    head_seq: int | None    # the chain's last vote
    head_hash: str | None
    detail: str = ""        # the first break, when not ok


@dataclass
class Verification:
    """The Kiểm chứng section: enough for an inspector to recompute the numbers from a raw export."""

    kiosk_ids: list[str]
    votes_in_period: int      # every row in the period, whatever its scale or flag
    counted: int              # counted on the report's scale
    flagged: int              # excluded: flagged repeats
    out_of_hours: int         # out-of-hours votes (counted or excluded, see out_of_hours_included)
    out_of_hours_included: bool
    other_scales: int         # reported apart
    chains: list[ChainCheck]
    software_version: str
    generated_at: str
    votes_sha256: str
    digest_recipe: str = DIGEST_RECIPE
    tied: int = 0             # counted votes tied to a transaction (a ticket or dossier number; issue 18)


@dataclass
class ActionLine:
    """One item of "Việc cần khắc phục" in the II.7 annex (issue 18): the low ratings (KHL, RKHL) of a counter in
    a week and what the centre did about them. Anonymous: counts, levels and reasons, never a vote or a citizen."""

    counter: str    # "Q1 — Quầy 1"
    week: str       # "02/11/2026 – 08/11/2026"
    low: int        # KHL + RKHL counted that week
    levels: str     # "KHL 3, RKHL 1"
    reasons: str    # the SIPAS elements the voters named, with counts; "" when none
    due: str        # "23/11/2026"
    status: str     # "Đã khắc phục 20/11/2026", "Quá hạn", …
    action: str     # the action written, "" when none yet


@dataclass
class ReportModel:
    """Everything the II.7 workbook, PDF, CSV and JSON show."""

    title: str
    unit: ReportUnit
    period: Period
    scale: str
    scale_name: str
    codes: tuple[str, ...]
    level_labels: dict[str, str]
    question: str
    target_pct: float
    by: str
    summary: Table            # grouped by ``by`` (counter by default)
    by_counter: Table
    by_officer: Table
    by_day: Table
    by_month: Table
    by_hour: HourGrid
    reasons: list[Reason]
    low_ratings: int
    other_scales: list[OtherScale]
    verification: Verification
    date_line: str
    appendix: str | None
    notes: list[str]
    # The questionnaires answered in the period, each its own section (none: a one-line section, NO_QUESTIONNAIRE).
    questionnaires: list[QuestionnaireSection] = field(default_factory=list)
    # What the numbers cover when the label alone does not say it: "(số liệu từ 01/10/2026 đến 22/11/2026)"
    # for a period not over on the making day; "" otherwise.
    coverage: str = ""
    # Demo data (the demo centre, a rehearsal, or demo votes in the period): every page carries DEMO_MARK.
    demo: bool = False
    # Issued by the central service (issue 18): the table's verification code and the public page that
    # checks it (rating.report.issued); None and "" on the kiosk, which issues nothing.
    verification_code: str | None = None
    verification_url: str = ""
    # The QR of the link (or the code) as rows of dark/light modules, made by the service (segno) when it
    # issues the code: the renderers draw it; the domain and the kiosk never import a QR library.
    verification_qr: list[list[bool]] | None = None
    # The annex of a commune's explanations of gaming-check findings in the period, as (what, explanation)
    # lines (issue 18; the central service fills it). The kiosk's is always empty, and an empty annex prints nothing.
    anomaly_notes: list[tuple[str, str]] = field(default_factory=list)
    # The annex "Phụ lục: Việc cần khắc phục" (issue 18): the central service's items and actions of the period
    # (central.actions); empty on the kiosk, and then neither the PDF nor the workbook prints an annex.
    actions: list[ActionLine] = field(default_factory=list)

    @property
    def target_met(self) -> bool | None:
        """Đạt / Chưa đạt for the whole period (None when nothing was counted)."""
        return self.summary.total.target_met

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-ready data (dates as ISO strings)."""
        out = asdict(self)
        out.pop("verification_qr", None)   # a drawing, not a figure: the code and its link are in the JSON
        out["period"] = {"from": self.period.d_from.isoformat(), "to": self.period.d_to.isoformat(),
                         "kind": self.period.kind, "label": self.period.label, "slug": self.period.slug}
        out["unit"]["officers"] = dict(self.unit.officers)
        out["target_met"] = self.target_met
        # The period's figures beside target_met (issue 18): its interval, whether it is below the minimum
        # sample (none counted included), and the response rate (null until served counts exist).
        total = self.summary.total
        out["ci_low"], out["ci_high"] = total.ci_low, total.ci_high
        out["small_sample"] = total.verdict == "chua_du_mau"
        out["response_pct"] = total.response_pct
        for section in out["questionnaires"]:  # the contract's by_channel beside the printed channel lines
            section["by_channel"] = {c["channel"]: {"responses": c["responses"], "answers": c["answers"],
                                                    "index": c["index"]} for c in section["channels"] if c["channel"]}
        return out


def verdict_tail(total: Row) -> str:
    """What follows ĐẠT / CHƯA ĐẠT in the Kết quả sentence: the 95 % interval and N, and "chưa chắc chắn"
    when the interval straddles the target, or that the sample is too small:
    " (khoảng tin cậy 95 %: 84,9–91,2 trên 466 phiếu; chưa chắc chắn)"."""
    if total.ci_low is None:
        return ""
    words = f"khoảng tin cậy 95 %: {vnformat.interval((total.ci_low, total.ci_high))} trên {vnformat.integer(total.total)} phiếu"
    if total.small_sample:
        words += f"; {SMALL_SAMPLE_MARK[4:]}"
    elif total.uncertain:
        words += f"; {UNCERTAIN}"
    return f" ({words})"


# --- arithmetic (the rate and its rounding: rating.rate) -----------------------------------------

def _row(key: str, label: str, levels: Mapping[str, int], flagged: int, codes: Sequence[str], target: float,
         extra: dict[str, Any] | None = None, min_n: int = MIN_N) -> Row:
    counts = {c: int(levels.get(c, 0)) for c in codes}
    total, sat = sum(counts.values()), satisfied(counts)
    rate = pct(sat, total)
    low, high = wilson(sat, total) or (None, None)
    # small_sample marks a row that has votes, but too few; a row of none has no rate to caution about.
    return Row(key, label, counts, total, sat, flagged, {c: pct(n, total) for c, n in counts.items()}, rate,
               0 < total and small_sample(total, min_n), None if rate is None else rate >= target, extra or {},
               low, high, str(verdict(sat, total, target, min_n)), uncertain(sat, total, target))


class _Groups:
    """Level counts and flagged counts per group key."""

    def __init__(self) -> None:
        self.levels: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.flagged: dict[str, int] = defaultdict(int)

    def keys(self) -> set[str]:
        return set(self.levels) | set(self.flagged)

    def table(self, key_name: str, keys: Iterable[tuple[str, str]], codes: Sequence[str], target: float,
              min_n: int = MIN_N) -> Table:
        rows = [_row(k, label, self.levels.get(k, {}), self.flagged.get(k, 0), codes, target, min_n=min_n)
                for k, label in keys]
        everything: dict[str, int] = defaultdict(int)
        for levels in self.levels.values():
            for code, n in levels.items():
                everything[code] += n
        return Table(key_name, rows, _row("", "Tổng cộng", everything, sum(self.flagged.values()), codes, target,
                                          min_n=min_n))


def _responses(served: Mapping[tuple[str, str, str], int], answered: Mapping[tuple[str, str], int],
               tables: Mapping[str, Table], all_tables: Sequence[Table]) -> ResponseRate:
    """Each row's ``response_pct`` (by counter, day and month: the rows whose group has a served number) and
    every table's total's; the period's :class:`rating.rate.ResponseRate`."""
    given: dict[tuple[str, str], int] = defaultdict(int)
    for (_kiosk, day, counter), n in served.items():
        for key in (("counter", counter), ("day", day), ("month", day[:7]), ("", "")):
            given[key] += n
    for name, table in tables.items():
        for row in table.rows:
            if (name, row.key) in given:
                row.response_pct = ResponseRate(answered.get((name, row.key), 0), given[(name, row.key)]).pct
    total = ResponseRate(answered.get(("", ""), 0), given[("", "")])
    for table in all_tables:
        table.total.response_pct = total.pct
    return total


# --- the queries ------------------------------------------------------------------------------

def _where(d_from: date, d_to: date, kiosk_ids: Sequence[str] | None, officers: Sequence[str] | None,
           prefix: str = "") -> tuple[str, list[Any]]:
    where, params = f"{prefix}local_date BETWEEN ? AND ?", [d_from.isoformat(), d_to.isoformat()]
    for column, values in (("kiosk_id", kiosk_ids), ("officer", officers)):
        if values is not None:
            values = list(values)
            if not values:
                where += " AND 1 = 0"  # an empty list selects nothing, not everything
            else:
                where += f" AND {prefix}{column} IN ({', '.join('?' * len(values))})"
                params.extend(values)
    return where, params


def aggregate_sql(where: str) -> str:
    """The one grouped query that feeds every section (the SQL is the cost on a year of votes, not Python).
    Rows: kiosk_id, local_date, hour "HH", scale, counter_id, officer ("" for none), level, flagged, out_of_hours, n."""
    return ("SELECT kiosk_id, local_date, substr(local_time, 12, 2), scale, counter_id, coalesce(officer, ''), "
            "level, flag IS NOT NULL, out_of_hours, count(*) "
            f"FROM votes WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9")


@dataclass
class PeriodData:
    """What a reader gets from a vote source for one period: the aggregate rows (the shape of
    :func:`aggregate_sql`'s result), each kiosk's chain check, and the votes' digest."""

    rows: list[tuple]
    chains: list[ChainCheck]
    votes_sha256: str
    demo: bool = False   # demo votes in the period: the report is marked (DEMO_MARK)
    # The seqs every vote the rows count lies between, when the reader knows them (a kiosk's store, whose
    # seq numbers all its votes): later questions of the period ask within them.
    seqs: tuple[int, int] | None = None


def chain_scan(source: VoteSource, kiosk_id: str, d_from: date, d_to: date, lines: list[str],
               page: int = 200_000) -> ChainCheck:
    """What any vote source allows, in one ordered pass over the kiosk's votes of the period: each vote's
    ``prev_hash`` is the ``hash`` of the vote before it and no ``seq`` is missing; and each in-period
    vote's ``hash`` is appended to ``lines`` (for the digest). Recomputing each hash needs every hashed
    field; the kiosk does that (:class:`rating.report.files.StoreReader`)."""
    lo, hi = source.query("SELECT min(seq), max(seq) FROM votes WHERE kiosk_id = ? AND local_date BETWEEN ? AND ?",
                          [kiosk_id, d_from.isoformat(), d_to.isoformat()])[0]
    head = source.query("SELECT seq, hash FROM votes WHERE kiosk_id = ? ORDER BY seq DESC LIMIT 1", [kiosk_id])
    head_seq, head_hash = (head[0][0], head[0][1]) if head else (None, None)
    if lo is None:
        return ChainCheck(kiosk_id, True, "không có phiếu trong kỳ", head_seq, head_hash)
    first, last = d_from.isoformat(), d_to.isoformat()
    prev_seq = prev_hash = None
    problem = ""
    for start in range(lo, hi + 1, page):
        rows = source.query("SELECT seq, prev_hash, hash, local_date FROM votes WHERE kiosk_id = ? "
                            "AND seq BETWEEN ? AND ? ORDER BY seq", [kiosk_id, start, min(hi, start + page - 1)])
        for seq, prev, h, day in rows:
            if not problem:
                if prev_seq is not None and seq != prev_seq + 1:
                    problem = (chain.gap if seq > prev_seq else chain.goes_back)(chain.VOTES, prev_seq, seq, None).vi
                elif prev_hash is not None and prev != prev_hash:
                    problem = chain.broken_link(chain.VOTES, seq, None).vi
                prev_seq, prev_hash = seq, h
            if first <= day <= last:
                lines.append(h)
    checked = f"liên kết prev_hash → hash của phiếu seq {lo}–{hi}"
    return ChainCheck(kiosk_id, not problem, checked, head_seq, head_hash, problem)


def digest_of(lines: Iterable[str]) -> str:
    """The Kiểm chứng digest: SHA-256 (hex) of the hashes, one per line ending in ``\\n``, in the order
    given (kiosk_id, then seq — see docs/report.md)."""
    digest = hashlib.sha256()
    batch: list[str] = []
    for h in lines:
        batch.append(h)
        if len(batch) >= 100_000:
            digest.update(("\n".join(batch) + "\n").encode("ascii"))
            batch = []
    if batch:
        digest.update(("\n".join(batch) + "\n").encode("ascii"))
    return digest.hexdigest()


class SqlReader:
    """Reads a period from any vote source with portable SQL: one grouped query for every count, and
    one ordered pass per kiosk for the chain's links and the digest."""

    def read(self, source: VoteSource, d_from: date, d_to: date, kiosk_ids: Sequence[str] | None,
             officers: Sequence[str] | None) -> PeriodData:
        """The period's aggregate rows, chain checks and digest."""
        where, params = _where(d_from, d_to, kiosk_ids, officers)
        rows = source.query(aggregate_sql(where + count_filter(source)), params)
        kiosks = sorted(set(kiosk_ids) if kiosk_ids is not None else {r[0] for r in rows})
        chains, lines = [], []
        for kiosk in kiosks:
            chains.append(chain_scan(source, kiosk, d_from, d_to, lines))
        return PeriodData(rows, chains, digest_of(lines), demo_votes_in(source, d_from, d_to, kiosk_ids))


def build_report(source: VoteSource, *, unit: ReportUnit, d_from: date, d_to: date, scale: Scale | str,
                 counters: Sequence[Counter], target_pct: float = DEFAULT_TARGET_PCT,
                 kiosk_ids: Sequence[str] | None = None, officers: Sequence[str] | None = None,
                 settings: ReportSettings = ReportSettings(), period: Period | None = None,
                 reader: "SqlReader | None" = None, questionnaire_filters: Mapping[str, Any] | None = None,
                 questionnaire_dirs: Sequence | None = None,
                 served: Mapping[tuple[str, str, str], int] | None = None) -> ReportModel:
    """Build the II.7 report model for ``unit`` and the dates ``d_from``..``d_to`` from ``source``.

    ``counters`` (id and name) are listed whether or not they have votes; ``kiosk_ids`` and
    ``officers`` narrow the votes read (None: all). ``period`` gives the label ("Quý IV năm 2026");
    by default it is derived from the dates. ``reader`` reads the period (default :class:`SqlReader`,
    portable SQL; the kiosk passes one that also recomputes every vote's hash in the same pass).

    The questionnaires answered in the period (tables ``q_responses``/``q_answers`` of the same
    ``source``; see :mod:`.questionnaires`) each get a section; ``questionnaire_filters`` narrows their
    answers (default: ``{"kiosk_id": kiosk_ids}`` when ``kiosk_ids`` is given; ``{}``: every answer in
    the source), ``questionnaire_dirs``
    says where the questionnaire files are when the source keeps no definitions.

    ``served`` — the served transactions, (kiosk, day, counter) -> number — gives the rows by counter, day and
    month and the totals their ``response_pct`` (:class:`rating.rate.ResponseRate`: the counted votes of the
    cells that have a number, per transaction); without it (the kiosk) every ``response_pct`` is null.
    """
    scale = get_scale(scale) if isinstance(scale, str) else scale
    if settings.by not in BY_CHOICES:
        raise ValueError(f"cannot group the report by {settings.by!r} (one of {', '.join(BY_CHOICES)})")
    period = period or between(d_from, d_to)
    if (period.d_from, period.d_to) != (d_from, d_to):
        raise ValueError(f"the period {period.label} is not {d_from}..{d_to}")
    codes, target = scale.codes, float(target_pct)
    data = (reader or SqlReader()).read(source, d_from, d_to, kiosk_ids, officers)

    by_counter, by_officer, by_day, by_month = _Groups(), _Groups(), _Groups(), _Groups()
    other: dict[str, _Groups] = defaultdict(_Groups)
    grid_votes: dict[tuple[int, int], int] = defaultdict(int)
    grid_sat: dict[tuple[int, int], int] = defaultdict(int)
    weekday: dict[str, int] = {}
    seen_kiosks: set[str] = set()
    n_all = n_flagged = n_ooh = n_other = 0
    rule = Rule(scale.id, settings.include_out_of_hours)
    answered: dict[tuple[str, str], int] = defaultdict(int)   # counted votes of served cells, per (table, key)
    for kiosk, day, hour, vote_scale, counter, officer, level, flagged, ooh, n in data.rows:
        seen_kiosks.add(kiosk)
        n_all += n
        if ooh:
            n_ooh += n
        if flagged:
            n_flagged += n
        kind = rule.kind(vote_scale, flagged, ooh)
        if kind is Kind.OTHER_SCALE:   # reported apart: the same rule on the vote's own scale
            kind = rule.on(vote_scale).kind(vote_scale, flagged, ooh)
            if kind is Kind.FLAGGED:
                other[vote_scale].flagged[counter] += n
            elif kind is Kind.COUNTED:
                n_other += n
                other[vote_scale].levels[counter][level] += n
            continue
        if kind is Kind.FLAGGED:
            for g, k in ((by_counter, counter), (by_officer, officer), (by_day, day), (by_month, day[:7])):
                g.flagged[k] += n
            continue
        if kind is not Kind.COUNTED:
            continue
        by_counter.levels[counter][level] += n
        by_officer.levels[officer][level] += n
        if served and (kiosk, day, counter) in served:   # a vote of a cell whose served number was given
            for key in (("counter", counter), ("day", day), ("month", day[:7]), ("", "")):
                answered[key] += n
        by_day.levels[day][level] += n
        by_month.levels[day[:7]][level] += n
        wd = weekday.get(day)
        if wd is None:
            wd = weekday[day] = date.fromisoformat(day).weekday()
        cell = (int(hour), wd)
        grid_votes[cell] += n
        if is_satisfied(level):
            grid_sat[cell] += n

    names = {c.id: c.name for c in counters}
    counter_keys = [(c.id, c.name) for c in counters] + [(k, k) for k in sorted(by_counter.keys() - set(names))]
    t_counter = by_counter.table("Quầy", counter_keys, codes, target, settings.min_n)
    officer_keys = [(k, _officer_label(k, unit.officers)) for k in sorted(by_officer.keys(), key=_officer_sort)]
    t_officer = by_officer.table("Công chức", officer_keys, codes, target, settings.min_n)
    day_keys = [(k, date.fromisoformat(k).strftime("%d/%m/%Y")) for k in sorted(by_day.keys())]
    t_day = by_day.table("Ngày", day_keys, codes, target, settings.min_n)
    for row in t_day.rows:
        row.extra["weekday"] = WEEKDAYS_VI[date.fromisoformat(row.key).weekday()]
    month_keys = [(k, f"{k[5:7]}/{k[:4]}") for k in sorted(by_month.keys())]
    t_month = by_month.table("Tháng", month_keys, codes, target, settings.min_n)
    total_response = None
    if served:
        total_response = _responses(served, answered, {"counter": t_counter, "day": t_day, "month": t_month},
                                    (t_counter, t_officer, t_day, t_month))
    summary = {"counter": t_counter, "officer": t_officer, "day": t_day, "month": t_month}[settings.by]

    hours = sorted({h for h, _ in grid_votes}) or list(range(7, 18))
    hours = list(range(min(hours[0], 7), max(hours[-1], 17) + 1))
    grid = HourGrid(hours, list(WEEKDAYS_VI),
                    [[grid_votes.get((h, d), 0) for d in range(7)] for h in hours],
                    [[grid_sat.get((h, d), 0) for d in range(7)] for h in hours],
                    [[pct(grid_sat.get((h, d), 0), grid_votes.get((h, d), 0)) for d in range(7)] for h in hours])

    low = t_counter.total.total - t_counter.total.satisfied
    reasons = _reasons(source, d_from, d_to, kiosk_ids, officers, rule, low)

    others = []
    for scale_id in sorted(other):
        s = SCALES.get(scale_id)
        o_codes = s.codes if s else tuple(sorted({lv for levels in other[scale_id].levels.values() for lv in levels}))
        keys = [(c.id, c.name) for c in counters if c.id in other[scale_id].keys()]
        keys += [(k, k) for k in sorted(other[scale_id].keys() - set(names))]
        others.append(OtherScale(scale_id, s.name_vi if s else scale_id, o_codes,
                                 other[scale_id].table("Quầy", keys, o_codes, target, settings.min_n)))

    kiosks = sorted(set(kiosk_ids) if kiosk_ids is not None else seen_kiosks)
    # Hải Phòng's time, as the header's date line is: a reader compares the two (UTC read as a mistake).
    generated = settings.generated_at or datetime.now(LOCAL_TZ)
    verification = Verification(
        kiosk_ids=kiosks, votes_in_period=n_all, counted=t_counter.total.total, flagged=n_flagged,
        out_of_hours=n_ooh, out_of_hours_included=settings.include_out_of_hours, other_scales=n_other,
        chains=data.chains,
        software_version=settings.software_version or software_version(),
        generated_at=generated.isoformat(timespec="seconds"), votes_sha256=data.votes_sha256)
    notes = [ROUNDING_NOTE, small_sample_note(settings.min_n), INTERVAL_NOTE, VERDICT_NOTE, FLAGGED_NOTE,
             "Hài lòng = Rất hài lòng + Hài lòng; tỷ lệ hài lòng = số phiếu hài lòng / tổng số phiếu được tính."]
    if others:
        notes.append("Phiếu theo thang đánh giá khác được thống kê riêng, không quy đổi.")
    if total_response is not None:
        notes.append(response_note(total_response))
    tied, same_ticket = tied_count(source, rule, d_from, d_to, kiosk_ids, officers, data.seqs)
    verification.tied = tied
    if tied or same_ticket:  # only where a centre asks for numbers: the others' reports read as before
        notes.append(tied_note(tied, t_counter.total.total, same_ticket))
    suspect = clock_suspect_count(source, d_from, d_to, kiosk_ids, officers, data.seqs)
    if suspect:  # never a clock-suspect vote filed under a day without saying so
        notes.append(clock_suspect_note(suspect))
    issued = settings.issued_on or generated.date()   # the day where the report is made, not the server's zone
    if questionnaire_filters is None and kiosk_ids is not None:
        questionnaire_filters = {"kiosk_id": list(kiosk_ids)}
    sections, unreadable = questionnaire_sections(source, d_from, d_to, questionnaire_filters, questionnaire_dirs)
    notes += unreadable
    demo = settings.demo or data.demo
    return ReportModel(
        title=TITLE, unit=unit, period=period, scale=scale.id, scale_name=scale.name_vi, codes=codes,
        level_labels={lv.code: lv.vi for lv in scale.levels}, question=settings.question, target_pct=target,
        by=settings.by, summary=summary, by_counter=t_counter, by_officer=t_officer, by_day=t_day, by_month=t_month,
        by_hour=grid, reasons=reasons, low_ratings=low, other_scales=others, verification=verification,
        date_line=date_line(unit.place, issued), appendix=settings.appendix, notes=notes, questionnaires=sections,
        coverage=coverage_line(period, issued), demo=demo)


def demo_votes_in(source: VoteSource, d_from: date, d_to: date, kiosk_ids) -> bool:
    """Whether any vote of the period is a demo vote (``source = 'demo'``): one probe, which the central
    service's partial index ``votes_demo`` answers at once (demo votes are few there, mixed with real ones)."""
    where, params = _where(d_from, d_to, kiosk_ids, None)
    return bool(source.query(f"SELECT 1 FROM votes WHERE {where} AND source = '{DEMO_SOURCE}' LIMIT 1", params))


def _officer_label(code: str, names: Mapping[str, str]) -> str:
    if not code:
        return "(chưa phân công)"
    return f"{code} — {names[code]}" if code in names else code


def _officer_sort(code: str) -> tuple[bool, str]:
    return (code == "", code)  # the unassigned group last


def _reasons(source: VoteSource, d_from: date, d_to: date, kiosk_ids, officers, rule: Rule,
             low: int) -> list[Reason]:
    where, params = _where(d_from, d_to, kiosk_ids, officers, prefix="v.")
    counted, more = rule.sql("v.")
    where += count_filter(source, "v.") + " AND " + counted
    params += more
    # CROSS JOIN: SQLite then walks the (few) reasons and looks each vote up by uuid, instead of walking a
    # year of votes; PostgreSQL treats it as the plain inner join it is and plans it freely.
    rows = source.query("SELECT r.element, count(*) FROM vote_reasons r CROSS JOIN votes v "
                        f"WHERE v.uuid = r.vote_uuid AND {where} GROUP BY r.element", params)
    counts = {element: n for element, n in rows}
    out = [Reason(code, vi, counts.get(code, 0), pct(counts.get(code, 0), low)) for code, (vi, _en) in ELEMENTS.items()]
    out += [Reason(code, code, n, pct(n, low)) for code, n in sorted(counts.items()) if code not in ELEMENTS]
    return out


def software_version() -> str:
    """The installed package's version, as printed in Kiểm chứng."""
    try:
        from importlib.metadata import version
        return f"rating-kiosk {version('rating-kiosk')}"
    except Exception:  # not installed (running from a checkout): say so rather than guess
        return "rating-kiosk (chưa cài đặt)"
