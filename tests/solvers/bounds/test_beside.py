"""The bound beside the search (``workers=2``), the solver's stop hook, partial eigendecompositions,
and the certificate's reserve measured on the iterations themselves."""

from __future__ import annotations

import numpy as np

import matchmaking as mm
import matchmaking.solvers.bounds.admm as admm
from matchmaking.solvers.bounds import build, rounds_bound
from matchmaking.solvers.bounds.rounds import certify
from matchmaking.solvers.control import Monitor
from matchmaking.solvers.seating import SeatingParams, build_problem, seating_bound
from matchmaking.solvers.seating.beside import BoundBeside
from matchmaking.solvers.seating.bound import sdp_bound


def _event():
    c = mm.datasets.synthetic_community(36, seed=5)
    return c, {"tables": 6, "table_size": 6, "rounds": 2, "spread": ["sector"]}


def _never_fits(monkeypatch) -> None:
    """Make the event look too big for the serial reserve (as 2,000 people are): the child is used."""
    import matchmaking.solvers.seating.engine as engine

    monkeypatch.setattr(engine, "sdp_fits", lambda *a, **k: False)


def test_two_workers_print_the_bound_computed_beside_the_search(monkeypatch) -> None:
    _never_fits(monkeypatch)
    c, kw = _event()
    prob = build_problem(c, **kw)
    plan = mm.seat(c, time_limit=10, seed=0, workers=2, **kw)
    terms = plan.extras["bound_terms"]
    assert "sdp bound" in terms and plan.bound == terms["sdp bound"]
    assert any("beside the search" in n for n in plan.notes)
    assert plan.objective <= plan.bound < seating_bound(prob)[0]
    serial, _, _ = sdp_bound(prob, max_iter=2000)  # the same relaxation, converged in this process
    assert abs(plan.bound - serial) <= 0.01 * serial


def test_a_stopped_solve_kills_the_child_and_keeps_the_cheap_bound() -> None:
    c, kw = _event()
    prob = build_problem(c, **kw)
    monitor = Monitor(time_limit=60)
    beside = BoundBeside.start(prob, monitor, SeatingParams())
    monitor.stopped = True
    bound, terms, notes = beside.result(objective=0.0, bound=123.0, terms={"pairs": 1.0})
    assert (bound, terms, notes) == (123.0, {"pairs": 1.0}, [])
    assert beside.process.wait(timeout=5) != 0  # killed, not finished
    assert BoundBeside.start(prob, Monitor(time_limit=60), SeatingParams(bound_share=0.0)) is None


def test_keep_going_stops_the_solver_without_a_certificate() -> None:
    prob = build_problem(*_event()[:1], tables=6, table_size=6, rounds=2)
    calls = []

    def going() -> bool:
        calls.append(1)
        return len(calls) < 5

    bound, terms, notes = sdp_bound(prob, time_limit=30, keep_going=going)
    assert len(calls) == 5 and "sdp bound" not in terms
    assert any("stopped after 5 iteration" in n for n in notes)
    assert bound == terms.get("degree bound", terms["relaxation bound"])


def test_partial_single_precision_split_matches_the_full_one(monkeypatch) -> None:
    rng = np.random.default_rng(3)
    A = rng.standard_normal((60, 60))
    V = (A + A.T) / 2
    S_full, X_full = admm._split(V, 0.7, {})
    monkeypatch.setattr(admm, "PARTIAL_SIZE", 10)
    for side in ("pos", "neg"):
        st = {"side": side}
        S, X = admm._split(V, 0.7, st)
        assert np.allclose(S, S_full, atol=1e-4) and np.allclose(X, X_full, atol=1e-4)
        assert np.allclose(S - X / 0.7, V, atol=1e-4)  # V = V_+ - V_-
        assert st["side"] in ("pos", "neg")
    # the side follows the smaller part: a matrix with 55 negative eigenvalues is split by its positive part
    Q, _ = np.linalg.qr(rng.standard_normal((60, 60)))
    lam = np.r_[-np.ones(55), np.ones(5)]
    st = {"side": "neg"}
    admm._split((Q * lam) @ Q.T, 1.0, st)
    assert st["side"] == "pos"


def test_measured_reserve_certifies_in_time_and_matches_the_forecast_path() -> None:
    rng = np.random.default_rng(1)
    W = np.triu(rng.integers(0, 4, (40, 40)).astype(float), 1)
    W = W + W.T
    data = build(W, np.array([10, 10, 10, 10]), np.ones((3, 40), dtype=bool), repeat_penalty=5.0)
    a = rounds_bound(data, time_limit=3.0, forecast=False)
    b = rounds_bound(data, time_limit=3.0)
    assert np.isfinite(a.value)
    assert abs(a.value - b.value) <= 0.01 * b.value
    assert abs(certify(data, a.certificate) - a.value) <= 1e-9 * a.value


def test_seat_command_takes_workers(cli, tmp_path, monkeypatch) -> None:
    _never_fits(monkeypatch)
    members = tmp_path / "m.csv"
    demo = mm.datasets.demo_community()
    demo.subset(demo.ids[:36]).to_frame().to_csv(members, index=False)
    out = tmp_path / "plan.csv"
    code, text = cli("seat", members, "--tables", 6, "--table-size", 6, "--rounds", 2, "--time-limit", 10,
                     "--workers", 2, "--out", out)
    assert code == 0 and out.exists(), text
    assert "beside the search" in text
    code, text = cli("seat", members, "--tables", 6, "--table-size", 6, "--workers", 0, "--out", tmp_path / "x.csv")
    assert code == 2 and not (tmp_path / "x.csv").exists()


def test_a_failed_child_leaves_the_degree_bound_with_a_note(monkeypatch) -> None:
    import sys

    c, kw = _event()
    prob = build_problem(c, **kw)
    monkeypatch.setattr(sys, "executable", "/bin/false")  # a child that exits 1 at once
    beside = BoundBeside.start(prob, Monitor(time_limit=30), SeatingParams())
    bound, terms, notes = beside.result(objective=0.0, bound=1e9, terms={})
    assert "failed" in notes[0] and "sdp bound" not in terms
    assert bound == sdp_bound(prob, max_iter=0)[0] < 1e9


def test_a_late_child_is_killed_and_leaves_the_degree_bound(monkeypatch) -> None:
    import matchmaking.solvers.seating.beside as beside_module

    c, kw = _event()
    prob = build_problem(c, **kw)
    monitor = Monitor(time_limit=30)
    beside = BoundBeside.start(prob, monitor, SeatingParams())
    monkeypatch.setattr(beside_module, "GRACE", 0.0)
    monitor.deadline = 0.0  # the time limit has passed before the child could answer
    bound, terms, notes = beside.result(objective=0.0, bound=1e9, terms={})
    assert "did not end within the time limit" in notes[0] and bound == sdp_bound(prob, max_iter=0)[0]
    assert beside.process.wait(timeout=5) != 0  # killed


def test_short_solves_and_fixed_efforts_keep_the_serial_bound(monkeypatch) -> None:
    import matchmaking.solvers.seating.engine as engine

    started = []
    monkeypatch.setattr(engine.BoundBeside, "start", classmethod(lambda cls, *a: started.append(a) or None))
    c, kw = _event()
    mm.seat(c, time_limit=6, seed=2, workers=2, **kw)
    assert not started  # the serial reserve fits this event: no child (it slowed the search at 300 people)
    _never_fits(monkeypatch)
    # (3,000 < lns_every: CP-SAT does not run, so its workers cannot change the plan either)
    a = mm.seat(c, iterations=3_000, time_limit=60, seed=2, workers=2, **kw)
    b = mm.seat(c, iterations=3_000, time_limit=60, seed=2, workers=1, **kw)
    assert not started  # a fixed effort never starts the child
    assert (a.objective, a.bound) == (b.objective, b.bound)
    monkeypatch.undo()
    assert BoundBeside.start(build_problem(c, **kw), Monitor(time_limit=3), SeatingParams()) is None  # < MIN_SECONDS


def test_keep_stops_the_solver_that_many_measured_iterations_before_the_deadline(monkeypatch) -> None:
    """With a clock that ticks 0.01 s a call, keeping 20 iterations' worth of time ends the run earlier."""

    class Clock:
        t = 0.0

        def perf_counter(self) -> float:
            self.t += 0.01
            return self.t

    W = np.triu(np.random.default_rng(2).integers(0, 4, (30, 30)).astype(float), 1)
    data = build(W + W.T, np.array([10, 10, 10]), np.ones((1, 30), dtype=bool))
    runs = {}
    for keep in (0.0, 20.0):
        clock = Clock()
        monkeypatch.setattr(admm, "time", clock)
        count = []
        admm.solve(data.rounds, data.first, None, deadline=5.0, max_iter=100_000, stall=0.0, keep=keep,
                   keep_going=lambda count=count: count.append(1) or True)
        per = clock.t / len(count)  # fake seconds an iteration
        runs[keep] = len(count)
        assert 5.0 - (keep + 2) * per <= clock.t <= 5.0 - (keep - 2) * per
    assert runs[20.0] < runs[0.0]
