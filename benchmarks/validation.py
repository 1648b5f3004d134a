"""How long reading and validating a scenario file takes as it grows.

For generated plans of 5,000, 10,000 and 20,000 measures over 24 phases (with three
scenarios each), written as YAML and as JSON, prints the seconds to read the file
(parse) and to validate it with its scenarios (``scnekit.load``), and the ratio per
doubling: close to 2 means linear.

    .venv/bin/python benchmarks/validation.py [--measures 5000 10000 20000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

import scnekit  # noqa: E402
from scnekit.fileformat.documents import read_document  # noqa: E402


def with_scenarios(doc: dict) -> dict:
    ids = [m["id"] for m in doc["measures"]]
    doc["scenarios"] = [
        {"id": "shock", "unavailable": ids[:5], "set": {f"measures.{ids[7]}.cost": 3}},
        {"id": "tight", "set": {"rules.max_exposure": 2}},
        {"id": "later", "set": {f"measures.{ids[-1]}.earliest": 3}},
    ]
    return doc


def timed(action) -> float:  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, nargs="*", default=[5_000, 10_000, 20_000])
    args = parser.parse_args()
    previous: dict[str, float] = {}
    limits = scnekit.Limits(measures=max(args.measures) * 2, links=max(args.measures) * 4)
    print(f"{'measures':>9} {'format':>6} {'MB':>6} {'parse s':>8} {'load s':>8} {'x per doubling':>15}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.measures:
            doc = with_scenarios(generate(n))
            for kind in ("yaml", "json"):
                path = Path(tmp) / f"plan-{n}.{kind}"
                text = json.dumps(doc) if kind == "json" else yaml.safe_dump(doc, sort_keys=False)
                path.write_text(text, encoding="utf-8")
                parse = timed(lambda path=path: read_document(path, limits))
                load = timed(lambda path=path: scnekit.load(path, limits=limits))
                ratio = f"{load / previous[kind]:.2f}" if kind in previous else "-"
                previous[kind] = load
                print(f"{n:>9,} {kind:>6} {len(text) / 1e6:>6.1f} {parse:>8.2f} {load:>8.2f} {ratio:>15}",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
