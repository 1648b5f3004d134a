"""Solving: start windows, the PuLP formulation, HiGHS, the constructive heuristic, the
:class:`~scnekit.engine.session.Session` that re-solves by bounds, and the diagnosis of
infeasible plans. Takes validated plans, returns :class:`~scnekit.roadmap.Roadmap` objects.
"""
