"""`klantwaarde demo` sends Airflow's log lines to a file, not the terminal."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_output_to_captures_python_file_descriptor_and_child_output(tmp_path):
    log = tmp_path / "logs" / "demo.log"
    program = textwrap.dedent(
        f"""
        import os, subprocess, sys
        from pathlib import Path
        from klantwaarde.demo import output_to

        print("before", flush=True)
        held = sys.stdout  # a logger configured earlier holds the stream object
        with output_to(Path({str(log)!r})):
            print("from print")
            held.write("from a held stream\\n")
            print("from stderr", file=sys.stderr)
            os.write(1, b"from fd 1\\n")
            subprocess.run([sys.executable, "-c", "print('from a child')"], check=True)
        print("after")
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    written = log.read_text(encoding="utf-8")
    for line in ("from print", "from a held stream", "from stderr", "from fd 1", "from a child"):
        assert line in written
    assert run.stdout.split() == ["before", "after"]
    assert run.stderr == ""
