"""Analyses around a roadmap (ANALYSIS.md): comparison, sweeps, the exposure frontier,
robust first steps, walk-away. They call the engine and return tables and roadmaps;
the faces and the export layer show them."""
