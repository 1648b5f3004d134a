"""What the tests share: the independent checker, hypothesis strategies, paths and the CLI runner."""
