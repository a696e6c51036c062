"""Write the GX suites, validation definitions and checkpoints into `expectations/`.

The suites are defined once, in `klantwaarde.checks`; run this after changing them and
commit the files it writes:  .venv/bin/python scripts/gx_setup.py
"""

from __future__ import annotations

from klantwaarde.checks import write_definitions

if __name__ == "__main__":
    for name in write_definitions():
        print(f"suite, validation definition and checkpoint: {name}")
