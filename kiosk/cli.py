"""The command line: a thin shell over the Python API.

Each subcommand parses its arguments, calls the API, and prints. Heavy parts (the serial reader,
the touch UI, the sync client) are imported only by the subcommands that need them, so ``totals``
starts fast and never opens a window.
"""

from __future__ import annotations

import argparse
import calendar
import logging
import re
import sys
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

from . import demo
from .backup import BackupNotWritable, open_store, take_backup
from rating import totals, vnformat
from .config import ENV_VAR, ConfigError, ensure_data_dir, load_config
from .db import StoreDamagedError, StoreError
from .logs import LogSetupError, current_log_file, setup_logging
from rating.export import report_csv_bytes, to_json
from . import effective as effective_commands
from .questionnaire import commands as questionnaire_commands
from .questionnaire.answers import verify_answers
from .soundness import refuse_if_damaged
from .store import VoteStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

log = logging.getLogger("kiosk.cli")


def _date(text: str) -> date:
    """A day given as YYYY-MM-DD; a well-formed date that does not exist (2026-02-30) is named as such."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}")
    year, month, day = map(int, m.groups())
    if not 1 <= month <= 12:
        raise argparse.ArgumentTypeError(f"there is no month {month:02d} in {text!r} (months are 01-12)")
    last = calendar.monthrange(year, month)[1]
    raise argparse.ArgumentTypeError(f"there is no such day as {text}: {year}-{month:02d} has {last} days")


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a number of 0 or more, got {n}")
    return n


def _open_store(args, create: bool = True) -> tuple:
    config = load_config(args.config)
    if create:
        ensure_data_dir(config)
    return config, open_store(config, create=create)


# --- subcommands ------------------------------------------------------------------------------

def cmd_totals(args) -> int:
    """Print one local day's totals per counter."""
    config, store = _open_store(args)
    with store:
        refuse_if_damaged(store)  # never figures from a damaged file
        day = args.date or store.today()
        result = totals.day_totals(store, config.counters, config.scale, day, min_n=config.report.min_n)
    if args.json:
        print(to_json(result))
        return EXIT_OK
    print(f"{config.centre} — {vnformat.day(day)} — {config.scale.name_vi}")
    codes = config.scale.codes
    head = f"{'Quầy':<8}" + "".join(f"{c:>6}" for c in codes) + f"{'Tổng':>7}{'Hài lòng':>10}{'Cờ':>5}  Tỷ lệ (KTC 95 %)"
    print(head)
    for row in [*result["counters"], {"counter": "Tất cả", **result["all"]}]:
        pct = vnformat.rate_figure(row["satisfied_pct"], (row["ci_low"], row["ci_high"]), row["small_sample"])
        print(f"{row['counter']:<8}" + "".join(f"{row['levels'][c]:>6}" for c in codes)
              + f"{row['total']:>7}{row['satisfied']:>10}{row['flagged']:>5}  {pct}")
    print("Cờ = phiếu bấm lặp lại tại cùng quầy trong thời gian chống bấm trùng, không tính vào tổng.")
    print(f"KTC 95 % = khoảng tin cậy 95 % (Wilson); Chưa đủ mẫu = dưới {config.report.min_n} phiếu được tính.")
    return EXIT_OK


def cmd_report(args) -> int:
    """Write the II.7 report (xlsx, pdf), totals per counter and day (csv, json) or the raw vote list
    (votes) for a period."""
    from rating import report
    from rating.period import PeriodError, parse_period
    try:
        period = parse_period(month_text=args.month, quarter_text=args.quarter, year_text=args.year,
                              d_from=args.date_from, d_to=args.date_to)
    except PeriodError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "votes" and (args.by or args.appendix):
        print(f"error: {'--by' if args.by else '--appendix'} does not apply to --format votes "
              "(the raw list of the period's votes, one row each)", file=sys.stderr)
        return EXIT_USAGE
    binary = args.format in ("xlsx", "pdf")
    if binary and not args.out and sys.stdout.isatty():
        print(f"error: a {args.format} report is a binary file: give --out PATH (a file or a folder) "
              "or redirect standard output to a file", file=sys.stderr)
        return EXIT_USAGE
    config, store = _open_store(args)
    try:
        refuse_if_damaged(store)  # never figures from a damaged file, as totals (SQLite reads only some pages)
    except StoreDamagedError:
        store.close()
        raise
    target = None
    if args.out:
        target = _out_path(args.out, report.file_name(config.kiosk_id, period, args.format))
        if target is None:
            store.close()
            return EXIT_FAILED
    if args.format == "votes":
        return _vote_list(store, config, period, target)
    with store:
        if args.format in ("csv", "json") and args.by is None:
            # The kiosk's long-standing shapes (README): per day and counter, then the period.
            result = totals.period_report(store, config.counters, config.scale, period.d_from, period.d_to)
            result["label"] = period.label
            if args.format == "json":  # the questionnaires answered in the period (a contract, issue 11)
                from rating.questionnaire.analysis import analyse
                from .questionnaire.answers import answered_in
                result["questionnaires"] = analyse(store, answered_in(store, period.d_from, period.d_to),
                                                   period.d_from, period.d_to)
            data = (report_csv_bytes(result, config.scale) if args.format == "csv"
                    else (to_json(result) + "\n").encode("utf-8"))
            summary = f"{len(result['days'])} ngày, {result['period']['all']['total']} phiếu được tính"
        else:
            model = report.report_for_store(store, config, period.d_from, period.d_to, by=args.by or "counter",
                                            period=period, appendix=args.appendix)
            data = report.render(model, args.format)
            summary = (f"{period.label}: {model.summary.total.total} phiếu được tính, tỷ lệ hài lòng "
                       f"{vnformat.percent(model.summary.total.satisfied_pct)}")
    if target is not None:
        try:
            report.write_atomically(target, data)
        except OSError as e:
            print(f"error: cannot write {target}: {e.strerror or e}", file=sys.stderr)
            return EXIT_FAILED
        log.info("report %s (%s) written to %s", period.label, args.format, target)
        print(f"đã ghi {target} ({summary})", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


def _vote_list(store, config, period, target: Path | None) -> int:
    """``report --format votes``: the period's votes streamed to ``target`` (atomically) or to standard
    output, then how many and their digest (the workbook's Kiểm chứng one) on standard error."""
    from rating import report
    from rating.report.votes import VoteList
    with store:
        try:
            if target is not None:
                tally = report.write_vote_list(store, config, period.d_from, period.d_to, target)
            else:
                tally = VoteList(None, 0, "")
                for chunk in report.vote_list_chunks(store, config, period.d_from, period.d_to, tally):
                    sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
        except OSError as e:
            if isinstance(e, BrokenPipeError):
                raise
            print(f"error: cannot write {target or 'to standard output'}: {e.strerror or e}", file=sys.stderr)
            return EXIT_FAILED
    summary = f"{period.label}: {tally.votes} phiếu, SHA-256 {tally.sha256}"
    if target is not None:
        log.info("vote list %s written to %s (%d votes)", period.label, target, tally.votes)
        print(f"đã ghi {target} ({summary})", file=sys.stderr)
    else:
        print(summary, file=sys.stderr)
    return EXIT_OK


def _out_path(out: str, default_name: str) -> Path | None:
    """Where --out means: a file, or a file with the default name inside an existing folder.
    A folder that does not exist is an error (printed; None returned), never a traceback."""
    path = Path(out).expanduser()
    if path.is_dir():
        return path / default_name
    if out.endswith(("/", "\\")):
        print(f"error: --out: the folder {path} does not exist", file=sys.stderr)
        return None
    if not path.parent.is_dir():
        print(f"error: --out: the folder {path.parent} does not exist (create it, or choose another)",
              file=sys.stderr)
        return None
    wanted = Path(default_name).suffix
    if not path.suffix:
        # "--out /media/usb" with no stick in: a folder that is not there, not a file to be named "usb".
        print(f"error: --out: the folder {path} does not exist (is the USB stick plugged in?); "
              f"to name a file, give its extension, such as {path.name}{wanted}", file=sys.stderr)
        return None
    if path.suffix.lower() != wanted:
        print(f"error: --out: {path.name} does not end in {wanted}, the format asked for", file=sys.stderr)
        return None
    return path


def cmd_verify(args) -> int:
    """Check the file's integrity and the hash chains; exit 0 only when all hold.

    One language a line: each finding in Vietnamese, and under a break the technical English
    detail (which row, what is wrong) for whoever investigates.
    """
    config, store = _open_store(args, create=False)
    with store:
        integrity = store.integrity_check()
        ok = integrity == ["ok"]
        print(f"{store.path}: kiểm tra toàn vẹn tệp (PRAGMA integrity_check): " + ("đạt" if ok else "HỎNG"))
        for line in ([] if ok else integrity[:20]):
            print(f"  {line}")
        try:
            # A whole chain becomes the reports' checkpoint (docs/report.md, Kiểm chứng).
            brk, count = store.verify_chain(checkpoint=True), store.count()
            answers_brk, answers = verify_answers(store), store.answer_count()
        except StoreDamagedError as e:  # the walk met a damaged page: say so, do not crash
            print("chuỗi băm: không đọc được đến hết (tệp bị hỏng)")
            print(f"  hash chains: could not be read to the end: {e}")
            return EXIT_FAILED
    if brk is None:
        print(f"chuỗi băm phiếu: hợp lệ ({count} phiếu)")
    else:
        print(f"chuỗi băm phiếu: HỎNG {brk.vi}")
        print(f"  votes' hash chain: BROKEN at {brk}")
    if answers_brk is None:
        print(f"chuỗi băm câu trả lời: hợp lệ ({answers} câu trả lời)")
    else:
        print(f"chuỗi băm câu trả lời: HỎNG {answers_brk.vi}")
        print(f"  answers' hash chain: BROKEN at {answers_brk}")
    return EXIT_OK if ok and brk is None and answers_brk is None else EXIT_FAILED


def cmd_backup(args) -> int:
    """Back up the store now (``[backup] dir``, or ``--to DIR``), verify the backup, print its path last."""
    config = load_config(args.config)
    try:
        record = take_backup(config, args.to)
    except BackupNotWritable as e:
        _to_log_file(logging.ERROR, "backup: %s", e)
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(f"đã sao lưu và kiểm chứng: {record.votes} phiếu, {record.answers} câu trả lời "
          f"(verified backup of {config.db_path})")
    print(record.path)
    return EXIT_OK


def cmd_demo_data(args) -> int:
    """Fill the demo centre's store with realistic synthetic votes (a real centre's store is refused). With
    ``--rehearsal``, a real centre's rehearsal store instead (:meth:`kiosk.config.Config.as_rehearsal`): the
    store ``run --simulate`` uses with the same configuration, never synced, never filed — a preview of the
    centre's own layout with realistic numbers."""
    config = load_config(args.config)
    if args.rehearsal:
        config = config.as_rehearsal()
    # Refused before anything is made: a real centre's folder gets no store, no log folder, nothing.
    try:
        demo.refuse_real_centre(config)
    except demo.RealCentre:
        if config.log_dir.is_dir():  # a log that is there already hears of the refusal (main() writes it)
            try:
                setup_logging(config.log_dir, stderr=False)
            except LogSetupError:
                pass
        raise
    ensure_data_dir(config)
    _log_to_data_folder(args)  # only now (log_to_file is off for demo-data: see build_parser)
    store = VoteStore.from_config(config)
    with store:
        n = demo.generate(store, config.counters, config.scale, args.days, args.per_day, args.seed)
        log.info("demo-data: %d demo votes over %d days recorded in %s", n, args.days, store.path)
        print(f"{store.path}: đã ghi {n} phiếu mẫu trong {args.days} ngày (nguồn 'demo', không phải phiếu thật)")
    return EXIT_OK


def cmd_set_pin(args) -> int:
    """Set the manager screen's PIN (asked twice; stored as a salted scrypt hash)."""
    import getpass

    from .pin import SETTING, PinError, hash_pin
    if args.stdin:
        lines = sys.stdin.read().split("\n")
        first, second = (lines + ["", ""])[:2]
    elif not sys.stdin.isatty():
        # getpass would fall back to reading (and echoing) a pipe, or fail with a traceback.
        print("error: set-pin asks for the PIN on a terminal, and standard input is not one; run it in a "
              "terminal, or give the PIN twice on standard input with --stdin (for scripts); nothing changed",
              file=sys.stderr)
        return EXIT_USAGE
    else:
        first, second = getpass.getpass("New manager PIN (4-8 digits): "), getpass.getpass("Again: ")
    if first != second:
        print("error: the two PINs do not match; nothing changed", file=sys.stderr)
        return EXIT_FAILED
    try:
        stored = hash_pin(first.strip())
    except PinError as e:
        print(f"error: {e}; nothing changed", file=sys.stderr)
        return EXIT_FAILED
    config, store = _open_store(args)
    with store:
        store.set_setting(SETTING, stored)
    log.info("manager PIN changed")
    print(f"đã đặt mã PIN quản lý cho {config.kiosk_id} (lưu dạng băm scrypt có muối trong {store.path})")
    return EXIT_OK


# --- parser -----------------------------------------------------------------------------------

class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, ``error: <what>; see main.py … --help``, exit 2.

    argparse's default prints the whole usage block first (4-5 lines of brackets), in which the
    actual mistake is easy to miss; ``--help`` still shows the usage to whoever asks for it."""

    def error(self, message: str):
        """Print the mistake in one line and exit with the usage status (2)."""
        self.exit(EXIT_USAGE, f"error: {message}; see {self.prog} --help\n")

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but an unknown flag after a subcommand points to that subcommand's --help."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            sub = getattr(self, "commands", {}).get(getattr(parsed, "command", None))
            (sub or self).error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed


def build_parser(extensions: Sequence[Callable] = ()) -> argparse.ArgumentParser:
    """The argument parser for ``python main.py``.

    ``extensions`` are callables given ``add(name, func, help) -> subparser``: the rooms that may
    not be imported here (hardware, sync, the UI) register their own subcommands through them.
    """
    config_help = f"the kiosk's TOML configuration (default: ${ENV_VAR}, else the embedded demo centre)"
    parser = OneLineParser(
        prog="main.py",
        description="Satisfaction-rating kiosk for a Public Administrative Service Centre. "
                    "With no subcommand, runs the kiosk.")
    parser.add_argument("--config", metavar="PATH", help=config_help)
    # SUPPRESS, so that "--config X" before the subcommand is not reset by the subcommand's default.
    common = OneLineParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help=config_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        # A subcommand that is not about this kiosk's store (serve, simulate-buttons) or that sets up
        # its own log (run) turns log_to_file off.
        p.set_defaults(func=func, log_to_file=True)
        return p

    p = add("totals", cmd_totals, "print the local day's totals per counter")
    p.add_argument("--date", type=_date, help="the local day, YYYY-MM-DD (default: today)")
    p.add_argument("--json", action="store_true", help="print the JSON contract shape")

    p = add("report", cmd_report, "the II.7 report (Bảng tổng hợp) for a period: xlsx, pdf, csv or json; "
                                  "or the period's raw votes (votes)")
    when = p.add_argument_group("the period (give one)")
    when.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD", help="first day (with --to)")
    when.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD", help="last day (with --from)")
    when.add_argument("--month", metavar="YYYY-MM", help="a calendar month, e.g. 2026-11")
    when.add_argument("--quarter", metavar="YYYY-Qn", help="a quarter, e.g. 2026-Q4")
    when.add_argument("--year", metavar="YYYY", help="a calendar year, e.g. 2026")
    p.add_argument("--format", choices=("csv", "json", "xlsx", "pdf", "votes"), default="csv",
                   help="xlsx/pdf: the II.7 workbook/document; csv/json: totals per day and counter "
                        "(with --by: the II.7 summary table / the whole report model); votes: every vote "
                        "of the period as CSV, in the order of the Kiểm chứng digest (docs/report.md)")
    p.add_argument("--by", choices=("counter", "officer", "day", "month"),
                   help="the rows of the summary table (default: counter)")
    p.add_argument("--appendix", metavar="TEXT", help='a heading above the title, e.g. "Phụ lục I"')
    p.add_argument("--out", metavar="PATH", help="a file, or an existing folder (a file name is chosen); "
                                                 "default: standard output")

    add("verify", cmd_verify, "check the database's integrity and the votes' hash chain")

    p = add("backup", cmd_backup, "back up the vote store now, verify the backup, and print its path")
    p.add_argument("--to", metavar="DIR", help="the folder to write it in (default: [backup] dir)")

    p = add("demo-data", cmd_demo_data, "record realistic synthetic votes (for demos and benchmarks)")
    p.add_argument("--days", type=_positive, required=True, help="calendar days, ending today")
    p.add_argument("--per-day", type=_positive, required=True, help="votes per weekday")
    p.add_argument("--seed", type=int, help="random seed, for repeatable data")
    p.add_argument("--rehearsal", action="store_true",
                   help="into this centre's rehearsal store (<data_dir>/rehearsal: never synced, never filed), "
                        "which `run --simulate` with the same --config shows")
    p.set_defaults(log_to_file=False)  # it logs once it is not refused: a refused command creates nothing

    p = add("set-pin", cmd_set_pin, "set the manager screen's PIN")
    p.add_argument("--stdin", action="store_true", help="read the PIN twice from standard input (for scripts)")

    questionnaire_commands.register(add)
    effective_commands.register(add)   # config --effective (issue 17)
    for register in extensions:
        register(add)
    parser.commands = sub.choices  # name -> subparser, for the default command
    return parser


def main(argv: Sequence[str] | None = None, extensions: Sequence[Callable] = ()) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser(extensions)
    args = parser.parse_args(argv)
    if args.command is None:
        if "run" not in parser.commands:
            parser.print_help()
            return EXIT_USAGE
        args = parser.parse_args(["run", *(sys.argv[1:] if argv is None else argv)])
    if getattr(args, "log_to_file", False):
        _log_to_data_folder(args)
    try:
        return args.func(args)
    except ConfigError as e:
        _to_log_file(logging.ERROR, "%s: %s", args.command, e)
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (StoreError, demo.RealVotesPresent, ValueError) as e:
        _to_log_file(logging.ERROR, "%s: %s", args.command, e)
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    except LogSetupError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # the last resort: the details go to the log file, the person gets one line
        return _unexpected(args, e)


def _log_to_data_folder(args) -> None:
    """Log the subcommand's work to the kiosk's log file. Only ``verify`` never creates the data
    folder (it checks what is there); the others create it anyway, to open the store."""
    try:
        config = load_config(getattr(args, "config", None))
        if args.command != "verify":
            ensure_data_dir(config)
        if config.log_dir_set is not None or config.data_dir.is_dir():
            setup_logging(config.log_dir, stderr=False)
    except (ConfigError, LogSetupError, OSError):
        pass  # the subcommand itself reports a bad configuration or data folder, clearly


def _to_log_file(level: int, msg: str, *args, exc_info=None) -> None:
    """Write a record to the log file alone: the person already gets the one line printed on stderr."""
    record = log.makeRecord(log.name, level, __file__, 0, msg, args, exc_info)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


def _unexpected(args, e: Exception) -> int:
    """Write an unexpected error's traceback to the log file only, and print one line saying where."""
    where = current_log_file()
    if where is None:  # no log file yet: try the data folder's, so the traceback is kept somewhere
        try:
            where = setup_logging(load_config(getattr(args, "config", None)).log_dir, stderr=False)
        except Exception:
            where = None
    _to_log_file(logging.ERROR, "unexpected error in '%s'", args.command, exc_info=(type(e), e, e.__traceback__))
    hint = f"the details are in {where}" if where else "the kiosk could not write its log file"
    print(f"error: unexpected {type(e).__name__} in '{args.command}': {e} — this is a fault in the kiosk "
          f"software, not in your input; {hint}", file=sys.stderr)
    return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
