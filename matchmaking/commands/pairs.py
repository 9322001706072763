"""``matchmaking pairs``: intros, mentoring, coffee roulette or newcomer welcomes -> round,group,member."""

from __future__ import annotations

import argparse
import time

from matchmaking.commands.common import (
    add_common,
    add_outputs,
    check_report,
    declare_paths,
    load_history,
    positive_int,
    split_names,
    write_plan_report,
)
from matchmaking.errors import InputError
from matchmaking.model.community import Community
from matchmaking.model.io import ROW, read_table, require_columns, source_name


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pairs",
        help="pair members: intros, mentoring, coffee roulette, newcomer welcomes",
        description="Pair members and write round,group,member (a group has 2 members, 3 where a count is odd). "
        "Prints the objective, a proven upper bound, the gap and the status.",
    )
    p.add_argument("members", help="members file (CSV, Excel or Parquet)")
    p.add_argument("--mode", choices=["intro", "mentor", "roulette", "welcome"], default="intro")
    p.add_argument("--rounds", type=positive_int, default=1, help="roulette rounds (default 1)")
    p.add_argument("--only", metavar="SEL", help="who takes part: COL=VALUE (also >=, <=, >, <, !=) or ids a,b,c")
    p.add_argument("--candidates", default="auto", help="intro: best partners kept per member, 'auto' or 'all'")
    p.add_argument("--mentors", metavar="SEL", help="mentor: the mentors (COL=VALUE or ids a,b,c)")
    p.add_argument("--mentees", metavar="SEL", help="mentor: the mentees (default: everyone else)")
    p.add_argument("--capacity", default="1", help="mentor: mentees per mentor, a number or a column (default 1)")
    p.add_argument("--demand", default="1", help="mentor: mentors per mentee, a number or a column (default 1)")
    p.add_argument("--stable", choices=["mentees", "mentors"], help="mentor: stable assignment, this side proposes")
    p.add_argument("--ranks", metavar="F", help="mentor: preferences member,candidate,rank (1 = first choice)")
    p.add_argument("--welfare-only", action="store_true", help="mentor: maximise welfare without matching everyone first")
    p.add_argument("--snooze", metavar="F", help="roulette: table member,round of rounds skipped")
    p.add_argument("--opt-out", metavar="IDS", help="roulette: members out of every round (ids a,b,c)")
    p.add_argument("--method", choices=["joint", "sequential"], default="joint", help="roulette search (default joint)")
    p.add_argument("--newcomers", metavar="SEL", help="welcome: the newcomers (e.g. 'joined>=2026-01-01')")
    p.add_argument("--veterans", metavar="SEL", help="welcome: the veterans (default: everyone else)")
    p.add_argument("--k", type=positive_int, default=2, help="welcome: veterans each newcomer meets (default 2)")
    p.add_argument("--hosts-per-round", type=positive_int, default=1, help="welcome: newcomers a veteran hosts a round")
    add_common(p)
    add_outputs(p, out_help="plan file to write (round,group,member)")
    p.set_defaults(run=run)
    declare_paths(p, inputs=("members", "pairs", "constraints", "history", "ranks", "snooze"), outputs=("out", "report"),
                  folders=("report",))


def selection(text: str | None) -> str | list[str] | None:
    """``COL=VALUE`` (kept as text) or a comma-separated list of ids."""
    if text is None:
        return None
    if any(op in text for op in "=<>"):
        return text
    return split_names(text)


def _number_or_column(text: str) -> int | str:
    """``--capacity 4`` (a number, also a negative one, refused by the engine) or a column's name."""
    return int(text) if text.strip().lstrip("-").isdigit() else text


def read_snooze(path: str, community: Community, rounds: int) -> dict[str, set[int]]:
    """``member,round`` rows, validated with file, row and column in every error."""
    fname = source_name(path)
    table = read_table(path)
    require_columns(table, ["member", "round"], fname)
    out: dict[str, set[int]] = {}
    for member, rnd, row in zip(table["member"], table["round"], table[ROW], strict=True):
        community.check_members([member], file=fname, column="member", rows=[row])
        try:
            r = int(str(rnd).strip())
        except ValueError:
            r = 0
        if not 1 <= r <= rounds:
            raise InputError(f"round {rnd!r} is not a whole number in 1..{rounds}", file=fname, row=row, column="round")
        out.setdefault(member, set()).add(r)
    return out


#: Seconds per member kept from --time-limit for writing the plan and its summary.
OUTPUT_SECONDS_PER_MEMBER = 4e-5


def solve_budget(time_limit: float, started: float, members: int) -> float:
    """What is left of ``--time-limit`` for the solve: the command's limit minus the time spent reading
    the files and the time writing will take (at least a quarter of the limit).

    >>> import time
    >>> round(solve_budget(30.0, time.perf_counter(), 100_000), 1)
    26.0
    """
    spent = time.perf_counter() - started
    return max(time_limit - spent - OUTPUT_SECONDS_PER_MEMBER * members, 0.25 * time_limit)


def run(args: argparse.Namespace) -> int:
    from matchmaking.solvers.pairing import pair

    started = time.perf_counter()  # --time-limit holds for the whole command, reading and writing included
    community = Community.from_csv(args.members)
    check_report(args, "pairs")
    candidates: int | str = args.candidates
    if candidates not in ("auto", "all"):
        try:
            candidates = int(candidates)
        except ValueError:
            raise InputError(f"--candidates must be a number, 'auto' or 'all', not {args.candidates!r}",
                             column="--candidates") from None
    opt_out = selection(args.opt_out) or []
    if isinstance(opt_out, str):
        raise InputError("--opt-out takes ids a,b,c", column="--opt-out")
    community.check_members(opt_out, file="--opt-out", column="id", rows=list(range(1, len(opt_out) + 1)))
    plan = pair(
        community,
        args.mode,
        rounds=args.rounds,
        members=selection(args.only),
        pairs=args.pairs,
        history=load_history(args.history),
        constraints=args.constraints,
        candidates=candidates,
        mentors=selection(args.mentors),
        mentees=selection(args.mentees),
        capacity=_number_or_column(args.capacity),
        demand=_number_or_column(args.demand),
        stable=args.stable,
        ranks=args.ranks,
        everyone=not args.welfare_only,
        snooze=read_snooze(args.snooze, community, args.rounds) if args.snooze else None,
        opt_out=opt_out,
        newcomers=selection(args.newcomers),
        veterans=selection(args.veterans),
        k=args.k,
        hosts_per_round=args.hosts_per_round,
        method=args.method,
        time_limit=(budget := solve_budget(args.time_limit, started, len(community))),
        seed=args.seed,
    )
    plan.to_csv(args.out)
    print(plan.summary())
    if budget < args.time_limit - 1:
        print(f"time limit {args.time_limit:g} s for the command: {budget:.1f} s for the solve, the rest for reading "
              "and writing the files")
    print(f"plan written to {args.out}")
    if (paths := write_plan_report(plan, args, community)) is not None:
        print("report written to " + ", ".join(str(p) for p in paths.values()))
    return 0
