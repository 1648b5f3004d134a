"""The Jupyter layer of scnekit (imported as ``scnekit.widgets``).

>>> from scnekit.widgets import Explorer
>>> Explorer("examples/syria_scne.yaml")      # displays itself in JupyterLab and Voilà
"""

from scnekit.fileformat.savefile import Draft

from .explorer import Explorer

__all__ = ["Draft", "Explorer"]
