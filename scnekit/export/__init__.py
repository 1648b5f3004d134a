"""Roadmaps for people: the text report of the CLI and the plotly figures."""
