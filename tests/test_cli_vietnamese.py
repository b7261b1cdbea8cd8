"""The command line's summaries for people are in Vietnamese, one language a line (issue 9): no English
half-sentences beside the Vietnamese, decimals with a comma, dates day first. Errors keep their
`error:` prefix; --json output is a contract and is not touched."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.conftest import run_cli, synthetic_votes

# Words of the English glosses the summaries used to carry beside the Vietnamese.
ENGLISH = re.compile(r"\b(votes?|counted|satisfied|wrote|recorded|days|flagged|repeats|every counter|"
                     r"questionnaire|on|off|answers?|hash chain|ok|BROKEN|FAILED|demo votes|manager|stored)\b")


def _human_lines(text: str) -> list[str]:
    # Paths and ids (a temp folder, trung-tam) are names, not words: judge the rest of the line.
    return [re.sub(r"/\S+|trung-tam|'demo'|PRAGMA integrity_check", "", line) for line in text.splitlines() if line]


def _vietnamese(line: str) -> bool:
    return any(unicodedata.decomposition(c) for c in line if c.isalpha() and not c.isascii())


def test_summaries_are_vietnamese_without_english_glosses(tmp_path, config_path):
    # Votes up to a fixed weekday afternoon, and that day's totals: the real day may be a Sunday, an early
    # morning or just past midnight, when "today" holds no vote and prints no rate.
    synthetic_votes(config_path, 3, 30, 2, end=datetime(2026, 11, 20, 16, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    outputs = [
        run_cli("demo-data", "--days", "3", "--per-day", "30", "--seed", "2", cwd=tmp_path).stdout,  # the demo centre
        run_cli("totals", "--date", "2026-11-20", config=config_path).stdout,
        run_cli("verify", config=config_path).stdout,
        run_cli("questionnaire", "start", "trung-tam", config=config_path).stdout,
        run_cli("questionnaire", "stop", config=config_path).stdout,
        run_cli("questionnaire", "stop", config=config_path).stdout,
        run_cli("report", "--quarter", "2026-Q4", "--format", "xlsx", "--out", str(tmp_path / "r.xlsx"),
                config=config_path).stderr,
        run_cli("report", "--quarter", "2026-Q4", "--format", "csv", "--out", str(tmp_path / "r.csv"),
                config=config_path).stderr,
    ]
    lines = [line for out in outputs for line in _human_lines(out)]
    assert len(lines) >= 14
    for line in lines:
        if set(line.strip()) <= set("QuầyRHLBTKTổngHàilòngTỷệCờ 0123456789,%—Tấtả"):  # the totals table's rows
            continue
        assert not ENGLISH.search(line), line
    text = "\n".join(outputs)
    assert "đã bật phiếu khảo sát trung-tam v1 ở mọi quầy" in text and "đã tắt phiếu khảo sát ở mọi quầy" in text
    assert "không có phiếu khảo sát nào đang bật" in text
    assert "chuỗi băm phiếu: hợp lệ" in text and "phiếu được tính, tỷ lệ hài lòng" in text
    assert re.search(r"\d+,\d %", text)                     # 84,5 %, not 84.5%
    assert re.search(r" — \d\d/\d\d/\d{4} — ", text)         # totals' date, day first


def test_json_output_is_unchanged_by_the_wording(config_path):
    synthetic_votes(config_path, 2, 10, 2)
    result = json.loads(run_cli("totals", "--json", config=config_path).stdout)
    assert {"date", "counters", "all"} <= set(result)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", result["date"])  # the contract keeps ISO dates
