"""Check what `make dist` built: one sdist and one wheel, each holding the files a user
needs (the contract, the /docs page, the typing markers, the licence).

    python tools/check_dist.py dist
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from pathlib import Path

# In the wheel: what `pip install` puts on the user's machine.
WHEEL_FILES = (
    "syftbox_accounting/__init__.py",
    "syftbox_accounting/py.typed",
    "syftbox_accounting/openapi.yaml",
    "syftbox_accounting/server/api-reference.html",
    "syftbox_accounting_client/py.typed",
)
# In the sdist (below its top folder): enough to build that wheel again.
SDIST_FILES = (
    "pyproject.toml",
    "README.md",
    "LICENSE",
    "openapi.yaml",
    "syftbox_accounting/openapi.yaml",
    "syftbox_accounting/server/api-reference.html",
    "generated/syftbox_accounting_client/__init__.py",
)


def problems(folder: Path) -> list[str]:
    """What is wrong with the packages in `folder` (nothing: an empty list)."""
    wheels, sdists = sorted(folder.glob("*.whl")), sorted(folder.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        return [f"expected one wheel and one sdist in {folder}, found {wheels + sdists}"]
    found: list[str] = []
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        found += [f"{wheels[0].name} lacks {name}" for name in WHEEL_FILES if name not in names]
        contract = "syftbox_accounting/openapi.yaml"
        if contract in names and not wheel.read(contract).startswith(b"openapi:"):
            found.append(f"{wheels[0].name}: {contract} is not the contract")
    with tarfile.open(sdists[0]) as sdist:
        members = {m.name.split("/", 1)[-1] for m in sdist.getmembers()}
    found += [f"{sdists[0].name} lacks {name}" for name in SDIST_FILES if name not in members]
    return found


def main(argv: list[str]) -> int:
    folder = Path(argv[1] if len(argv) > 1 else "dist")
    wrong = problems(folder)
    for line in wrong:
        print(line, file=sys.stderr)
    if not wrong:
        print(f"{folder}: " + ", ".join(p.name for p in sorted(folder.iterdir())))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
