"""`make bench`: every benchmark, one after another, printing figures (nothing is asserted)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (bench_central, bench_central_q, bench_checkins, bench_q_sync, bench_questionnaire, bench_report,  # noqa: E402
                   bench_runtime, bench_serial, bench_store, bench_sync, bench_verify)
from bench.common import BUILD  # noqa: E402


def main() -> None:
    BUILD.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print("== vote store ==")
    bench_store.bench_record_vote()
    bench_store.bench_demo_speed()
    bench_store.bench_totals()
    print("== verify ==")
    bench_verify.main()
    print("== questionnaires ==")
    bench_questionnaire.main()
    print("== runtime and logs ==")
    bench_runtime.main()
    print("== II.7 report ==")
    bench_report.main()
    print("== button boxes ==")
    bench_serial.main()
    print("== sync ==")
    bench_sync.main()
    print("== central service ==")
    bench_central.main()
    print("== check-ins (issue 17) ==")
    bench_checkins.main()
    print("== questionnaire answers into the central service ==")
    bench_q_sync.main()
    print("== questionnaire on the central service ==")
    bench_central_q.main()
    print("== touch screen ==")
    subprocess.run([sys.executable, str(Path(__file__).with_name("bench_ui.py"))], check=False)
    print("== touch screen: questionnaire ==")
    subprocess.run([sys.executable, str(Path(__file__).with_name("bench_questionnaire_ui.py"))], check=False)
    print("== crash safety ==")
    bench_store.bench_crash()
    print(f"all benchmarks done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
