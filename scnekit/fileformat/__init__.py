"""Scenario files in and out: reading YAML and JSON, validation with field paths,
scenarios and their overrides, workshop drafts and saving back into the file.

Everything here speaks FORMAT.md and builds :class:`~scnekit.model.Plan` objects; it
knows nothing of solvers. Importing it installs :meth:`Plan.scenario
<scnekit.model.Plan.scenario>`.
"""

from . import scenarios as _scenarios  # noqa: F401 - installs Plan.scenario
