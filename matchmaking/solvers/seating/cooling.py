"""The chunks of a geometric cooling over a budget: a fixed proposal count, else the clock.

The compiled annealings run in chunks, so that the clock, a stop and the callback are heard
between them. :func:`next_chunk` sizes the next chunk and says which share of the cooling it
covers: with a fixed effort the shares follow the proposal count (the same seed then gives the
same walk), else the time spent over the time allowed.

Examples
--------
>>> next_chunk(0, 250, 0.0, 1.0, 100, most=100, seconds=0.1, cap=10_000)
(100, 0.0, 0.4)
>>> next_chunk(200, 250, 0.0, 1.0, 100, most=100, seconds=0.1, cap=10_000)
(50, 0.8, 1.0)
>>> next_chunk(250, 250, 0.0, 1.0, 100, most=100, seconds=0.1, cap=10_000) is None
True
>>> next_chunk(50_000, None, 0.5, 2.0, 100, most=100, seconds=0.1, cap=1_000_000)  # 100,000 a second
(10000, 0.25, 0.3)
"""

from __future__ import annotations

__all__ = ["next_chunk"]


def next_chunk(done: int, total: int | None, elapsed: float, span: float, step: int, *, most: int, seconds: float,
               cap: int) -> tuple[int, float, float] | None:
    """The next chunk after ``done`` proposals and the shares of the cooling at its ends; None when it is over.

    Parameters
    ----------
    done : int
        Proposals made so far.
    total : int or None
        The fixed effort (proposals in all); chunks of at most ``most``. None: the clock.
    elapsed, span : float
        Seconds spent and allowed (the clock only).
    step : int
        The first chunk on the clock, before the speed is known.
    most, seconds, cap : int, float, int
        Largest chunk of a fixed effort; on the clock, chunks of about ``seconds`` at the
        measured speed (at least 1,000 proposals, at most ``cap``).

    Returns
    -------
    (int, float, float) or None
        The chunk and the shares ``f0``, ``f1`` of the cooling at its start and end.
    """
    if total is not None:
        if done >= total:
            return None
        step = min(most, total - done)
        return step, done / total, (done + step) / total
    if elapsed >= span:
        return None
    f0 = elapsed / span
    if not done:
        return step, f0, f0
    rate = done / max(elapsed, 1e-6)
    step = int(min(max(rate * seconds, 1000), cap))
    return step, f0, min(f0 + step / max(rate, 1.0) / span, 1.0)
