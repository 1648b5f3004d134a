"""scnekit's test suite; shared helpers live in :mod:`tests.support`."""
