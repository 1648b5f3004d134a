"""Browser tests: JupyterLab and Voilà as real local servers, driven in headless Chromium."""
