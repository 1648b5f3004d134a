"""Name the packages whose installed versions differ from a lock file.

    python scripts/lockdiff.py requirements/lock-py311.txt < <(pip freeze --all --exclude-editable)

Used by the fresh-resolve step of scripts/test.sh: when the newest versions that
pyproject.toml allows break the engine tests, these are the releases to look at.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def pins(lines: list[str]) -> dict[str, str]:
    """``name==version`` lines as {normalised name: version}; other lines are skipped."""
    out: dict[str, str] = {}
    for line in lines:
        name, sep, version = line.split("#", 1)[0].strip().partition("==")
        if sep:
            out[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return out


def main() -> int:
    locked = pins(Path(sys.argv[1]).read_text(encoding="utf-8").splitlines())
    fresh = pins(sys.stdin.read().splitlines())
    changed = [f"{name} {locked.get(name, '(not in the lock)')} -> {version}"
               for name, version in sorted(fresh.items()) if locked.get(name) != version]
    print("\n".join(changed) if changed else "(the same versions as the lock)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
