"""The automatic scheduler: a Plan in, a proposal out (OR-Tools CP-SAT). No database.

`run.solve(plan, mode=...)` places the sessions it is given to place ("free" sessions) and
returns a `Result`; nothing is saved (see `suggestions.py` for that).

Which sessions are free
    "suggest": the top-level sessions that are neither placed nor pinned. Everything placed
    stays where it is. "repair": every top-level session that is not pinned, placed or not;
    moving a placed one costs `Weights.move`, so the fewest moves are made, and a session
    whose current place breaks a hard rule has to move. Pinned sessions never move (an
    unplaced pinned session stays unplaced). Talks inside a container go with it.

Hard rules (the conflict rules in `rules/` that have a `SolverPart`, checked with
`conflicts.py` after solving)
    No two sessions in one room at once (an all-rooms plenary item takes every room); a
    speaker is never in two sessions at once and has the event's buffer between sessions in
    different rooms (back to back in one room is fine, as the conflict rule says); a session
    lies inside one of the schedule's days, inside its room's opening windows and inside every
    speaker's availability; its room seats its expected audience (when both are known) and is
    step-free when a speaker needs it. Starts are on the event's grid in its time zone.

The model
    Time is in minutes from the first day's start. Before any solver runs, each free session
    gets, per eligible room, the exact list of starts where it may go: grid points where it
    fits the day, the room's windows and its speakers' availability, and where it clashes with
    no session that stays where it is (a room taken, or a speaker without their buffer). So
    sessions that do not move are not in the model at all (which also means that a conflict
    between two of them cannot make the model infeasible), and a session with no start left
    is explained precisely, naming the rule and the room, speaker or session in the way
    (context.py, explain.py).

    Then one start variable per session, whose domain is the union of those lists; a presence
    literal per (session, room) with exactly one true, the start restricted to that room's
    list when it is; an optional fixed-size interval per (session, room) and a NoOverlap per
    room (a free all-rooms item has an interval in every room). Two free sessions sharing a
    speaker are ordered with a literal: the later starts at least the buffer after the earlier
    ends, or right after it when both are in the same room. Pairwise rather than a NoOverlap
    of intervals stretched by the buffer, because the stretched version forbids back-to-back
    sessions in one room, which the conflict rule allows and a repair should keep (model.py; the
    constraints themselves are in each rule's module).

Soft rules (soft.py: a weighted sum, minimised; weights in `Weights`)
    a. a track's sessions in one room: a literal per (track, room) used, `track_rooms` for each
       room beyond the first (rooms its sessions that stay already use count too);
    b. a track spread evenly over the days: `track_days` x |K x sessions that day - sessions|
       per track and day, K being the number of days;
    c. sessions sharing audience should not overlap: the pairs are those of one track plus
       `shared_audience` (pair -> weight, e.g. speakers in common), the heaviest
       `MAX_AUDIENCE_PAIRS` only, `shared_audience` x weight per overlapping pair;
    d. a missed preferred day (`preferred_day`) or part of the day (`preferred_part`, morning
       = starting before 13:00 in the event's zone, afternoon = from 13:00);
    e. `release` per session of the latest release placed anywhere else than there (that
       place is also the solver's starting hint), and in repair mode `move` per session moved.

How it runs
    A greedy placement (greedy.py, most constrained first) is the starting hint. If it places
    every session that has a place, the model requires every session to be placed. If it does
    not, a feasibility model (infeasible.py) with one "placed" literal per session as
    assumptions is solved (at most `CHECK_SHARE` of the time limit, one worker): either it finds
    a complete placement (the new hint) or it proves that the sessions cannot all be placed, and
    CP-SAT's `sufficient_assumptions_for_infeasibility` names a set of sessions that cannot all
    be placed together (shrunk by removing one session at a time while it stays infeasible);
    that is repeated on the rest to find further such sets. Organizers still get a partial
    suggestion: then the model maximises the number of sessions placed first (a weight per
    placed session larger than all soft penalties together) and the soft rules second.

    Status: "optimal" (everything placed and no better schedule exists under these weights),
    "feasible" (everything placed, the best found in the time limit, with its gap to the
    proven bound), "infeasible" (some sessions cannot be placed: the rest is the best partial
    schedule) or "unknown" (no complete schedule found in time and none proven impossible).

    Finally (run.py) the placements are applied to the plan and `conflicts.find_conflicts`
    (every rule, ignored ones too) must find no hard-rule conflict that involves a placed session; a
    placement that fails this (a bug) is dropped and reported, never returned.
"""

# Here rather than in run.py, so that reading them does not load OR-Tools (run.py does).
WORKERS = 2
MODES = ("suggest", "repair")
