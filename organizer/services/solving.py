"""What the long CP-SAT solves share (the automatic scheduler, the grant allocation): a search
that someone watching may stop. See services/solves.py for the records and the task."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # OR-Tools is loaded only by the solvers, when they run
    from ortools.sat.python import cp_model

WATCH_EVERY = 0.5  # seconds between two looks of a watch at a running search


class Stopped(Exception):
    """The watch stopped the solve (someone cancelled it): there is no result."""


def search(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    callback: cp_model.CpSolverSolutionCallback | None = None,
    *,
    stop: Callable[[], bool] | None = None,
) -> int:
    """solver.solve; with `stop`, asked every WATCH_EVERY seconds (in this thread, which has
    the app context) while the search runs in a thread of its own, and stop_search when it
    says so, then Stopped."""
    if stop is None:
        return solver.solve(model, callback)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["status"] = solver.solve(model, callback)
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error

    thread = threading.Thread(target=run, name="cp-sat", daemon=True)
    thread.start()
    stopped = False
    while thread.is_alive():
        thread.join(WATCH_EVERY)
        if thread.is_alive() and not stopped and stop():
            stopped = True
            solver.stop_search()
    if "error" in outcome:
        raise outcome["error"]
    if stopped:
        raise Stopped
    return outcome["status"]
