"""Compare the point-estimate objective of every fit in two builds (build/<key>/result.json).

    python -m benchmarks.compare_optima OLD_BUILD_DIR NEW_BUILD_DIR

Prints, per paper and fit present in both, the relative change of the optimum; a new optimum may be lower
(a better fit) but not higher than the old one by more than 1e-9 relative.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def optima(build: Path) -> dict[tuple[str, str], float]:
    out = {}
    for path in sorted(build.glob("*/result.json")):
        try:
            r = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        for name, fit in r.get("fits", {}).items():
            if "point" in fit:
                out[(r["paper"], name)] = float(fit["point"]["fun"])
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    old, new = optima(Path(argv[0])), optima(Path(argv[1]))
    worse = 0
    for key in sorted(set(old) & set(new)):
        a, b = old[key], new[key]
        rel = (b - a) / max(abs(a), 1e-300)
        flag = "WORSE" if rel > 1e-9 else ("lower" if rel < -1e-9 else "same")
        worse += flag == "WORSE"
        print(f"{key[0]:32s} {key[1]:24s} {a:.12g} -> {b:.12g}  rel {rel:+.2e}  {flag}")
    print(f"# {len(set(old) & set(new))} fits compared, {worse} worse, {len(set(new) - set(old))} new, "
          f"{len(set(old) - set(new))} gone")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
