"""`python -m tests.load`: start the stack, run the scenarios, print the report and write it
as text and JSON; exit 1 when an invariant failed. See docs/operator.md, "Measured under load"."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from tests.load import scenarios
from tests.load.stack import QUEUE_WORKERS, ROOT, WEB_WORKERS, Stack

SPEAKERS, APPLICANTS, DOUBLE, KILLED, RESTART = 300, 150, 100, 100, 100
LEVELS = (16, 64)


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


async def scenarios_in_order(run: scenarios.Run, seconds: float) -> None:
    await scenarios.crowd(run, SPEAKERS, APPLICANTS)
    await scenarios.double_submits(run, DOUBLE)
    scenarios.mail_check(run, "mail")
    resent = await scenarios.killed_worker(run, KILLED)
    await scenarios.database_restart(run, RESTART)
    scenarios.mail_check(run, "mail_after_faults", resent=resent)
    run.figures["throughput"] = {
        f"{clients} clients": await scenarios.throughput(run, clients=clients, seconds=seconds)
        for clients in LEVELS
    }
    scenarios.server_logs(run)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="per page and level")
    parser.add_argument("--size", type=int, default=40, help="sessions of the synthetic event")
    parser.add_argument("--out", type=Path, default=ROOT / "instance" / "load")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "stack": {"gunicorn_workers": WEB_WORKERS, "queue_workers": QUEUE_WORKERS},
    }
    logs = args.out / "logs"  # kept after the run: the servers' and workers' own logs
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    stack = Stack(logs)
    try:
        stack.start()
        people = SPEAKERS + APPLICANTS + DOUBLE + KILLED + RESTART + sum(LEVELS)
        event, programme, emails = scenarios.populate(stack, people, args.size)
        run = scenarios.Run(stack, event, programme, emails)
        asyncio.run(scenarios_in_order(run, args.seconds))
    except BaseException:
        print(f"the run stopped; the servers' logs are in {logs}")
        raise
    finally:
        stack.close()
    report.update(run.figures)
    report["all_statuses"] = run.tally.statuses()
    report["failures"] = run.failures
    report["seconds"] = round(time.monotonic() - started)
    text = render(report)
    print(text)
    (args.out / "report.txt").write_text(text)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.out}/report.txt and report.json")
    return 1 if run.failures else 0


def render(report: dict[str, Any]) -> str:
    """The report as indented plain text (the JSON's figures, in the same order)."""
    lines = [f"organizer load test, {report['date']}, {report['seconds']} s"]

    def walk(value: Any, depth: int) -> None:
        for key, item in value.items():
            if isinstance(item, dict):
                lines.append(f"{'  ' * depth}{key}:")
                walk(item, depth + 1)
            else:
                lines.append(f"{'  ' * depth}{key}: {item}")

    walk({k: v for k, v in report.items() if k not in ("date", "seconds", "failures")}, 0)
    if report["failures"]:
        lines += ["", "FAILED:", *(f"  - {failure}" for failure in report["failures"])]
    else:
        lines += ["", "every invariant held"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
