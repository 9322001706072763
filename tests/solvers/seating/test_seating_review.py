"""Seating review fixes (issue 3): bounds and statuses checked against brute force on tiny events."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

import matchmaking as mm
from matchmaking.solvers import seating as S
from matchmaking.solvers.seating.starts import greedy


def _community(n: int) -> mm.Community:
    return mm.Community.from_frame(pd.DataFrame({"id": [f"m{i}" for i in range(n)], "name": [f"N{i}" for i in range(n)]}))


def _pairs(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["a", "b", "weight"])


def _random_pairs(rng: np.random.Generator, n: int, low: int, high: int) -> list[tuple[str, str, float]]:
    """Every pair of members ``m0..m{n-1}`` with a whole weight drawn from ``low..high-1``."""
    return [(f"m{i}", f"m{j}", float(rng.integers(low, high))) for i, j in itertools.combinations(range(n), 2)]


def _round_ok(row: np.ndarray, caps: np.ndarray, requests: mm.Requests, pos: dict[str, int], r: int,
              min_size: int = 0) -> bool:
    """Whether one round's seating (member -> table, -1 absent) keeps every request (independent check)."""
    seated = row[row >= 0]
    cnt = np.bincount(seated, minlength=len(caps))
    if (cnt > caps).any() or (min_size and ((cnt > 0) & (cnt < min_size)).any()):
        return False
    for a, b in requests.together:
        ia, ib = pos[a], pos[b]
        if row[ia] >= 0 and row[ib] >= 0 and row[ia] != row[ib]:
            return False
    for a, b in requests.apart:
        ia, ib = pos[a], pos[b]
        if row[ia] >= 0 and row[ia] == row[ib]:
            return False
    for m, t, rr in requests.pins:
        if (rr is None or rr == r + 1) and row[pos[m]] >= 0 and row[pos[m]] != t - 1:
            return False
    return all(row[pos[m]] < 0 or row[pos[m]] == t - 1 for m, t in requests.hosts.items())


def brute_force(prob: S.SeatingProblem, requests: mm.Requests) -> tuple[float, np.ndarray | None]:
    """The best objective over every seating of a tiny event (the reference), and one best seating."""
    caps = np.asarray(prob.capacities)
    pos = {m: i for i, m in enumerate(prob.members)}
    per_round = []
    for r in range(prob.rounds):
        here = np.flatnonzero(prob.attend[r])
        rows = []
        for combo in itertools.product(range(len(caps)), repeat=len(here)):
            row = np.full(prob.n, -1, dtype=np.int64)
            row[here] = combo
            if _round_ok(row, caps, requests, pos, r, prob.min_size):
                rows.append(row)
        per_round.append(rows)
    state = S.SeatingState(prob)
    best, best_tab = -math.inf, None
    for rows in itertools.product(*per_round):
        tab = np.asarray(rows)
        state.load(tab)
        v = state.total()
        if v > best:
            best, best_tab = v, tab.copy()
    if best_tab is not None:  # the fast evaluation agrees with the shared objective
        assert prob.objective.evaluate(prob.to_frame(best_tab), "seating")["total"] == pytest.approx(best)
    return best, best_tab


# 1. the minimum-repeats count of the bound follows together chains ---------------------------
def test_bound_counts_every_pair_of_a_together_chain() -> None:
    c = _community(4)
    req = mm.Requests(together=[("m0", "m1"), ("m1", "m2")])
    pairs = _pairs([("m0", "m3", 1.0), ("m0", "m1", 1.0), ("m1", "m3", 1.0), ("m2", "m3", 1.0)])
    prob = S.build_problem(c, tables=1, table_size=4, rounds=2, requests=req, pairs=pairs)
    bound, terms = S.seating_bound(prob)
    best, _ = brute_force(prob, req)
    assert best == pytest.approx(-26.0)  # only plan: everyone together twice, 3 repeats (m3 with each)
    assert terms["min_repeats"] == 3
    assert bound >= best - 1e-9
    plan = mm.seat(c, tables=1, table_size=4, rounds=2, requests=req, pairs=pairs, time_limit=2)
    assert plan.objective == pytest.approx(best)
    assert plan.bound >= best - 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_bound_is_a_bound_with_together_groups_on_tiny_events(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 6
    c = _community(n)
    rows = _random_pairs(rng, n, 0, 5)
    together = [("m0", "m1"), ("m1", "m2")] if seed % 2 == 0 else [("m0", "m1"), ("m2", "m3")]
    req = mm.Requests(together=together)
    caps = [3, 3] if seed < 3 else [4, 3]
    prob = S.build_problem(c, capacities=caps, rounds=2, requests=req, pairs=_pairs(rows))
    bound, _ = S.seating_bound(prob)
    best, _ = brute_force(prob, req)
    assert bound >= best - 1e-9


# 2. a bound below the plan's objective is never reported (nor "optimal") ----------------------
def _invalid_bound_event() -> dict:
    c = _community(6)
    pairs = _pairs([("m0", "m1", 3.0), ("m2", "m3", 2.0), ("m4", "m5", 1.0), ("m0", "m4", 1.0)])
    return {"community": c, "tables": 2, "table_size": 3, "rounds": 2, "pairs": pairs, "time_limit": 1, "seed": 0}


@pytest.mark.parametrize("later_calls_valid", [True, False])
def test_bound_below_the_objective_is_never_reported(monkeypatch: pytest.MonkeyPatch, later_calls_valid: bool) -> None:
    real = S.seating_bound
    calls = []

    def low_bound(prob: S.SeatingProblem) -> tuple[float, dict]:
        calls.append(1)
        bound, terms = real(prob)
        if len(calls) == 1 or not later_calls_valid:
            return -1000.0, terms
        return bound, terms

    from matchmaking.solvers.seating import engine

    monkeypatch.setattr(engine, "seating_bound", low_bound)
    kw = _invalid_bound_event()
    plan = mm.seat(kw.pop("community"), **kw)
    assert plan.objective > -1000.0
    assert plan.bound >= plan.objective
    assert any("below the plan's objective" in note for note in plan.notes)
    if later_calls_valid:  # the relaxation bound replaces the invalid one
        ev = _invalid_bound_event()
        prob = S.build_problem(ev["community"], tables=2, table_size=3, rounds=2, pairs=ev["pairs"])
        assert plan.bound == pytest.approx(real(prob)[0])
    else:
        assert plan.bound == math.inf and plan.status == "feasible"


# 3. together groups move in the exact re-solve; no bound from a solve that held them ----------
def _t3() -> dict:
    c = _community(7)
    pairs = _pairs([("m0", "m2", 10.0), ("m0", "m3", 10.0), ("m1", "m2", 10.0), ("m1", "m3", 10.0), ("m4", "m5", 1.0)])
    return {"community": c, "capacities": [3, 4], "requests": mm.Requests(together=[("m0", "m1")]), "pairs": pairs}


@pytest.mark.parametrize("rounds", [1, 2])
def test_together_group_is_moved_and_bound_holds(rounds: int) -> None:
    ev = _t3()
    prob = S.build_problem(ev["community"], capacities=ev["capacities"], rounds=rounds, requests=ev["requests"],
                           pairs=ev["pairs"])
    best, _ = brute_force(prob, ev["requests"])
    for seed in (0, 1, 2):
        plan = mm.seat(ev["community"], capacities=ev["capacities"], rounds=rounds, requests=ev["requests"],
                       pairs=ev["pairs"], time_limit=2, seed=seed)
        assert plan.bound >= best - 1e-9
        assert plan.objective <= best + 1e-9
        if plan.status == "optimal":
            assert plan.objective == pytest.approx(best)
        if rounds == 1:  # every seat taken: the exact model (groups as variables) proves the optimum
            assert plan.objective == pytest.approx(best) == 41.0
            assert plan.status == "optimal"


@pytest.mark.parametrize("seed", range(4))
def test_single_round_full_event_is_optimal_with_groups_pins_and_apart(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = 8
    c = _community(n)
    rows = _random_pairs(rng, n, -2, 6)
    req = mm.Requests(together=[("m0", "m1"), ("m1", "m2")] if seed % 2 else [("m0", "m1"), ("m4", "m5")],
                      apart=[("m3", "m6")], pins=[("m7", 2, None)] if seed < 2 else [])
    prob = S.build_problem(c, capacities=[3, 5], rounds=1, requests=req, pairs=_pairs(rows))
    best, _ = brute_force(prob, req)
    plan = mm.seat(c, capacities=[3, 5], rounds=1, requests=req, pairs=_pairs(rows), time_limit=2, seed=seed)
    assert plan.bound >= best - 1e-9
    assert plan.objective == pytest.approx(best)
    assert plan.status == "optimal" and plan.bound == pytest.approx(best)  # every seat taken: proven by CP-SAT


# 4. "infeasible" only when the round is: the capacity fallback comes after the apart filter ---
def test_apart_after_together_block_is_seated() -> None:
    c = _community(4)
    req = mm.Requests(together=[("m2", "m3")], apart=[("m0", "m1")])
    plan = mm.seat(c, tables=2, table_size=4, rounds=1, requests=req, time_limit=1)
    assert mm.check_plan(plan.assignments, requests=req, capacities=[4, 4], kind="seating") == []
    assert len(plan.assignments) == 4


def test_infeasible_round_names_the_conflicting_requests() -> None:
    c = _community(4)
    req = mm.Requests(together=[("m2", "m3")], apart=[("m0", "m1"), ("m1", "m2"), ("m0", "m2")])
    with pytest.raises(mm.InfeasibleError) as err:
        mm.seat(c, tables=2, table_size=4, rounds=1, requests=req, time_limit=1)
    assert {"apart m0-m1", "apart m1-m2", "apart m0-m2"} <= set(err.value.conflicts)
    req = mm.Requests(apart=[("m0", "m1")])
    with pytest.raises(mm.InfeasibleError) as err:
        mm.seat(c, tables=2, table_size=4, min_table_size=3, rounds=1, requests=req, time_limit=1)
    assert set(err.value.conflicts) == {"min_table_size=3", "apart m0-m1"}


@pytest.mark.parametrize("seed", range(12))
def test_seat_raises_exactly_when_brute_force_finds_no_seating(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    n = 6
    c = _community(n)
    pairs = list(itertools.combinations(range(n), 2))
    pick = rng.permutation(len(pairs))
    together = [(f"m{a}", f"m{b}") for a, b in (pairs[k] for k in pick[:2])]
    apart = [(f"m{a}", f"m{b}") for a, b in (pairs[k] for k in pick[2:2 + int(rng.integers(1, 5))])]
    req = mm.Requests(together=together, apart=apart)
    caps = [[3, 3], [4, 2], [2, 2, 2], [4, 4]][seed % 4]
    min_size = 2 if seed % 3 == 0 else None
    try:
        prob = S.build_problem(c, capacities=caps, rounds=1, requests=req, min_table_size=min_size)
    except mm.InfeasibleError:
        prob = None
    best = brute_force(prob, req)[0] if prob is not None else -math.inf
    if best == -math.inf:
        with pytest.raises(mm.InfeasibleError):
            mm.seat(c, capacities=caps, rounds=1, requests=req, min_table_size=min_size, time_limit=1)
    else:
        plan = mm.seat(c, capacities=caps, rounds=1, requests=req, min_table_size=min_size, time_limit=1)
        assert mm.check_plan(plan.assignments, requests=req, capacities=caps, min_size=min_size, kind="seating") == []
        assert plan.bound >= best - 1e-9


# 5. bad input names file, row and column (or the member, table and option) ---------------------
@pytest.fixture()
def members_csv(tmp_path):  # noqa: ANN001, ANN201
    path = tmp_path / "members.csv"
    _community(6).to_frame().to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("option", "name", "text", "expected"), [
    ("--constraints", "constraints.csv", "kind,a,b\ntogether,m0,m1\npin,m2,9\n", ["constraints.csv", "row 3", "'b'", "m2", "9"]),
    ("--constraints", "constraints.csv", "kind,a,b,round\npin,m2,1,\npin,m3,2,7\n", ["constraints.csv", "row 3", "'round'", "7"]),
    ("--attendance", "attendance.csv", "member,round\nm0,1\nm1,x\n", ["attendance.csv", "row 3", "'round'", "'x'"]),
    ("--attendance", "attendance.csv", "member,round\nm0,1\nm1,9\n", ["attendance.csv", "row 3", "'round'", "9"]),
    ("--locked", "held.csv", "round,table,member\n1,1,m0\n1,99,m1\n", ["held.csv", "row 3", "'table'", "99"]),
])
def test_cli_bad_input_names_file_row_and_column(members_csv, tmp_path, capsys, option, name, text,  # noqa: ANN001
                                                 expected) -> None:
    from matchmaking.cli import main

    bad = tmp_path / name
    bad.write_text(text)
    out = tmp_path / "plan.csv"
    code = main(["seat", str(members_csv), "--tables", "2", "--table-size", "4", "--rounds", "2", "--time-limit", "1",
                 option, str(bad), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    for piece in expected:
        assert piece in err, (piece, err)


def test_api_pin_out_of_range_names_member_table_and_option() -> None:
    c = _community(4)
    with pytest.raises(mm.InputError, match=r"requests \(Requests.pins\).*pin m1 to table 5"):
        mm.seat(c, tables=2, table_size=4, requests=mm.Requests(pins=[("m1", 5, None)]), time_limit=1)
    with pytest.raises(mm.InputError, match=r"DataFrame, row 2, column 'round'.*round 3"):
        mm.seat(c, tables=2, table_size=4, rounds=2, time_limit=1,
                requests=pd.DataFrame({"kind": ["pin"], "a": ["m1"], "b": ["1"], "round": ["3"]}))
    plan = mm.seat(c, tables=2, table_size=4, rounds=2, time_limit=1,
                   attendance=pd.DataFrame({"member": ["m0", "m1", "m2"], "round": [1.0, 2.0, 2.0]}))
    assert len(plan.assignments) == 3


# 3b. annealing moves a together-block as one unit ------------------------------------------------
def test_group_swap_is_exact_and_undone() -> None:
    from matchmaking.solvers.seating import kernel as K

    rng = np.random.default_rng(3)
    c = _community(8)
    rows = _random_pairs(rng, 8, 0, 6)
    req = mm.Requests(together=[("m0", "m1")], apart=[("m2", "m3")])
    prob = S.build_problem(c, capacities=[3, 3, 2], rounds=2, requests=req, pairs=_pairs(rows))
    state = S.SeatingState(prob)
    greedy(state, rng, range(2))
    movable = S.movable(prob)
    arrays = K.search_arrays(prob, [0, 1], movable, None)
    assert list(arrays["grp_r"]) == [0, 1]
    arrays["slot_r"], arrays["slot_i"] = arrays["slot_r"][:0], arrays["slot_i"][:0]  # group proposals only
    kern = K.Kernel(prob, state.tab)
    krng = K.rng_state(3)
    moved = 0
    for _ in range(200):
        before = kern.tab.copy()
        best = np.asarray([1.0, -1e18, 0.0, 0.0])
        K.run_anneal(kern, arrays, krng, n_iter=1, t_from=5.0, t_to=5.0, lam=1.0, guide=0.0,
                     best_tab=kern.tab.copy(), best=best)
        moved += int((kern.tab != before).any())
        fresh = S.SeatingState(prob)
        fresh.load(kern.tab)
        assert kern.total() == pytest.approx(fresh.total())
        assert prob.violations(kern.tab) == []
        assert (kern.tab[:, 0] == kern.tab[:, 1]).all()
    assert moved > 20


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_multi_round_with_a_group_is_bounded_and_near_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    c = _community(8)
    rows = _random_pairs(rng, 8, 0, 6)
    req = mm.Requests(together=[("m0", "m1")], apart=[("m2", "m3")])
    prob = S.build_problem(c, capacities=[3, 3, 2], rounds=2, requests=req, pairs=_pairs(rows))
    best, _ = brute_force(prob, req)
    plan = mm.seat(c, capacities=[3, 3, 2], rounds=2, requests=req, pairs=_pairs(rows), time_limit=10, seed=0,
                   iterations=400_000)  # cooling by iteration count: reproducible under load
    assert plan.bound >= best - 1e-9
    assert 0.9 * best <= plan.objective <= best + 1e-9  # a heuristic: optimal on seed 5, a few points off on 6, 7
    if seed == 5:
        assert plan.objective == pytest.approx(best)
