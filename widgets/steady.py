"""A steady wall: among equally good roadmaps, show the one that moves the fewest measures.

The solver returns one optimal roadmap of many; as a slider steps 6 -> 3 -> 6 it may
return a different one each time, and a room reads the reshuffle as news. After an exact
solve the explorer asks :func:`scnekit.analysis.stability.fewest_moves` for the optimal
roadmap that moves the fewest measures of the one on screen (the "wall"), on the solving
thread, under a time limit and a stop, and shows that one. A setting already shown comes
back as it was shown (:class:`Walls`), so stepping back gives the room the same wall.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from scnekit.analysis.stability import fewest_moves
from scnekit.model import Plan
from scnekit.roadmap import Roadmap, Status

#: seconds the steadying stage may take (it is exact within this, else the best found)
STEADY_SECONDS = 2.0
#: if steadying takes longer than this, the proven optimum is drawn first, then the steadier one
DRAW_AFTER = 0.3
WALLS = 64


def moved(a: Mapping[str, int], b: Mapping[str, int], plan: Plan) -> int:
    """How many measures of ``plan`` start differently in ``a`` and ``b`` (absent counts as a start)."""
    return sum(1 for m in plan.measures if a.get(m.id) != b.get(m.id))


@dataclass(frozen=True)
class Steadied:
    """The roadmap to show, the moves it makes against the wall (and the solver's would),
    how long the stage took and whether its fewest moves are proven."""

    roadmap: Roadmap
    moves: int
    raw_moves: int
    seconds: float
    proven: bool


class Walls:
    """The starts shown last (the wall) and the wall shown for each setting, most recent last."""

    def __init__(self, size: int = WALLS) -> None:
        self.wall: dict[str, int] | None = None
        self._shown: OrderedDict[object, dict[str, int]] = OrderedDict()
        self._size = size
        #: seconds of each steadying stage run so far (for measurements and tests)
        self.seconds: list[float] = []

    def shown(self, roadmap: Roadmap, key: object | None) -> None:
        """``roadmap`` is on screen (for setting ``key``, when it answers one): it is the wall now."""
        if not roadmap.is_ok:
            return
        self.wall = dict(roadmap.starts)
        if key is not None:
            self._shown[key] = dict(roadmap.starts)
            self._shown.move_to_end(key)
            while len(self._shown) > self._size:
                self._shown.popitem(last=False)

    def remembered(self, key: object) -> dict[str, int] | None:
        return self._shown.get(key)

    def steady(self, key: object, roadmap: Roadmap, plan: Callable[[], Plan | None], *,
               stop: Callable[[], bool], slow: Callable[[], None]) -> Steadied | None:
        """The optimal ``roadmap`` to show for setting ``key``: as shown before, else the optimum
        moving the fewest measures of the wall. ``plan`` gives the model with the pins as rules
        (None: do not steady). ``slow`` is called once if the stage passes :data:`DRAW_AFTER`
        seconds. None when ``stop`` said a newer change waits."""
        if roadmap.status != Status.OPTIMAL:
            return Steadied(roadmap, 0, 0, 0.0, True)
        wall = self.wall
        model = roadmap.plan
        raw = 0 if wall is None else moved(roadmap.starts, wall, model)
        before = self.remembered(key)
        if before is not None:  # this setting was on screen: the room gets the same wall back
            shown = roadmap if dict(roadmap.starts) == before else replace(roadmap, starts=before)
            return Steadied(shown, 0 if wall is None else moved(before, wall, model), raw, 0.0, True)
        if wall is None or raw == 0:
            return Steadied(roadmap, raw, raw, 0.0, True)
        pinned = plan()
        if pinned is None:
            return Steadied(roadmap, raw, raw, 0.0, False)
        began = time.perf_counter()
        told = False

        def stopped() -> bool:
            nonlocal told
            if stop():
                return True
            if not told and time.perf_counter() - began > DRAW_AFTER:
                told = True
                slow()
            return False

        starts, proven = fewest_moves(pinned, roadmap.starts, wall, time_limit=STEADY_SECONDS, stop=stopped)
        seconds = time.perf_counter() - began
        self.seconds.append(seconds)
        if stop():
            return None
        n = moved(starts, wall, model)
        if n >= raw or any(starts.get(m) != p for m, p in roadmap.pins.items()):
            return Steadied(roadmap, raw, raw, seconds, proven)
        return Steadied(replace(roadmap, starts=starts), n, raw, seconds, proven)
