"""The II.7 report: one model (:mod:`.model`) for a unit and a period, rendered as XLSX, PDF, CSV or JSON.

Public API (the manager screen, the CLI and the central service call only these):

- :func:`build_report` — the :class:`ReportModel` from any vote source (see :mod:`.model` for the
  vote source contract: ``source.query(sql, params)``, portable SQL, tables ``votes`` and
  ``vote_reasons``);
- :func:`render` — the model as bytes in one format;
- :func:`write_report` — the kiosk's report for a period, written atomically into a folder
  (:func:`write_reports` for the workbook and the PDF together, the votes read once);
- :func:`write_vote_list` / :func:`vote_list_chunks` — the period's raw votes as CSV, in the Kiểm chứng
  digest's order (:mod:`.votes`), for an inspector to recompute the digest.

No Kivy, no HTTP, no Django here.
"""

from __future__ import annotations

from rating.report.render import FORMATS, render
from rating.report.files import (VOTES, StoreReader, file_name, report_for_store, unit_from_config, vote_list_chunks,
                    write_atomically, write_report, write_reports, write_vote_list)
from rating.report.model import (BY_CHOICES, PeriodData, ReportModel, ReportSettings, ReportUnit, SqlReader, aggregate_sql,
                    build_report, chain_scan, digest_of)
from rating.rate import pct

__all__ = ["BY_CHOICES", "FORMATS", "PeriodData", "ReportModel", "ReportSettings", "ReportUnit", "SqlReader",
           "StoreReader", "aggregate_sql", "build_report", "chain_scan", "digest_of", "file_name", "pct", "render",
           "report_for_store", "unit_from_config", "VOTES", "vote_list_chunks", "write_atomically", "write_report",
           "write_reports", "write_vote_list"]
