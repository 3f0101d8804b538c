"""Fixtures of the chart tests; helpers live in chart_render.py."""

from chart_render import variant  # noqa: F401  (re-exported fixture)
