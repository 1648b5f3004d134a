"""The Jupyter layer of scnekit (imported as ``scnekit.widgets``)."""
