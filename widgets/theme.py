"""Styles for a wall display: large type, clear states. Inline CSS only: nothing is fetched."""

STYLE = """
<style>
.scne-explorer {
  --jp-widgets-font-size: 15px;
  --jp-widgets-inline-height: 32px;
  --jp-widgets-inline-label-width: 110px;
  font-size: 16px;
}
.scne-explorer .scne-title { font-size: 26px; font-weight: bold; margin: 4px 0 10px 0; }
.scne-explorer .scne-status { font-size: 18px; line-height: 1.45; padding: 6px 10px;
  background: #f4f6f8; border-left: 6px solid #2166ac; }
.scne-explorer .scne-error { font-size: 17px; padding: 8px 12px; color: #5a0d12;
  background: #fdecea; border-left: 6px solid #b2182b; }
.scne-explorer.scne-busy .scne-views { opacity: 0.7; transition: opacity 0.2s; }
.scne-explorer.scne-busy .scne-status { border-left-color: #d9a400; }
.scne-explorer .scne-measure .widget-label-basic, .scne-explorer .scne-measure label { font-size: 14px; }
.scne-explorer .scne-cell, .scne-explorer .scne-view { width: 100%; min-width: 0; }
.scne-explorer .scne-cell > * { flex: 1 1 auto; }
.scne-explorer .scne-save-message { color: #1b7837; font-weight: bold; }
.scne-explorer .scne-no-limit { margin-left: calc(var(--jp-widgets-inline-label-width) + 8px); }
/* narrow places (JupyterLab beside its file browser): slimmer controls, one column of views */
.scne-explorer .scne-main { container-type: inline-size; }
@container (max-width: 900px) {
  .scne-explorer .scne-views { grid-template-columns: minmax(0, 1fr) !important;
    grid-template-areas: "timeline" "exposure" "milestones" "flows" !important; }
}
@media (max-width: 1500px) {
  .scne-explorer .scne-controls { width: 360px !important; min-width: 320px !important; }
  .scne-explorer .scne-controls .widget-slider { --jp-widgets-inline-label-width: 90px; }
}
</style>
"""
