"""A private PostgreSQL cluster on loopback, made with the machine's own binaries (Debian's
`postgresql` package): `start(dir)` creates it when needed and starts it on a free port,
`stop(dir)` stops it. No Docker. PostgreSQL refuses to run as root: as root the cluster
runs as the `postgres` system user, in a folder that user owns.

    python -m klantwaarde.serve.pg_server start DIR   # prints the DSN
    python -m klantwaarde.serve.pg_server stop DIR
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "klantwaarde"


@dataclass(frozen=True)
class Server:
    data_dir: Path
    port: int

    @property
    def dsn(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"


def bin_dir() -> Path:
    """The newest installed PostgreSQL's bin folder (or pg_config's)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)
        return Path(out.stdout.strip())
    raise RuntimeError("no PostgreSQL binaries: apt-get install postgresql")


def _as_owner(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: list[str]) -> None:
    done = subprocess.run(_as_owner(args), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise RuntimeError(f"{Path(args[0]).name} failed: {message[-1] if message else '?'}")


def start(data_dir: Path) -> Server:
    """Create (first time) and start the cluster in `data_dir`; returns where it listens."""
    data_dir = Path(data_dir)
    pg = bin_dir()
    if not (data_dir / "PG_VERSION").exists():
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(data_dir, owner.pw_uid, owner.pw_gid)
        _run(
            [str(pg / "initdb"), "-D", str(data_dir), "-U", SUPERUSER, "--auth=trust",
             "--encoding=UTF8", "--locale=C.UTF-8"]
        )  # fmt: skip
    port_file = data_dir / "klantwaarde_port"
    if (data_dir / "postmaster.pid").exists() and port_file.exists():
        return Server(data_dir, int(port_file.read_text()))
    port = _free_port()
    _run(
        [str(pg / "pg_ctl"), "-D", str(data_dir), "-l", str(data_dir / "server.log"), "-w",
         "-o", f"-p {port} -c listen_addresses=127.0.0.1 -k {data_dir} -c fsync=off",
         "start"]
    )  # fmt: skip
    port_file.write_text(str(port))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(port_file, owner.pw_uid, owner.pw_gid)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return Server(data_dir, port)
        time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL in {data_dir} did not start: see {data_dir / 'server.log'}")


def stop(data_dir: Path) -> None:
    data_dir = Path(data_dir)
    if (data_dir / "postmaster.pid").exists():
        _run([str(bin_dir() / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"])


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m klantwaarde.serve.pg_server start|stop DIR", file=sys.stderr)
        return 2
    if argv[0] == "start":
        print(start(Path(argv[1])).dsn)
    else:
        stop(Path(argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
