"""The landing zone: which drops exist, which are complete, which are still being written.

A drop is the folder `<landing>/<system>/<YYYY-MM-DD>/`. It is complete once the exporter
has written `_manifest.json` (it writes it last); without one it is pending.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from klantwaarde import contract
from klantwaarde.errors import LoadError


@dataclass(frozen=True, order=True)
class Drop:
    """One system's extract of one night. Sorts by date, then system."""

    extract_date: date
    system: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.system}/{self.extract_date.isoformat()}"

    @property
    def manifest_path(self) -> Path:
        return self.path / contract.MANIFEST_NAME

    @property
    def is_complete(self) -> bool:
        return self.manifest_path.is_file()

    def source_file(self, file_name: str) -> str:
        """The file as `_source_file` names it: `<system>/<date>/<file>`."""
        return f"{self.label}/{file_name}"


@dataclass(frozen=True)
class ManifestEntry:
    rows: int
    sha256: str


def find_drops(landing: Path, as_of: date | None = None) -> list[Drop]:
    """Every drop folder of the known systems, dated up to `as_of` when given, in date order.

    Folders whose name is not a `YYYY-MM-DD` date are not drops and are ignored.
    """
    drops: list[Drop] = []
    for system in contract.SYSTEMS:
        system_dir = Path(landing) / system
        if not system_dir.is_dir():
            continue
        for child in system_dir.iterdir():
            if not child.is_dir():
                continue
            try:
                extract_date = date.fromisoformat(child.name)
            except ValueError:
                continue
            if child.name != extract_date.isoformat():
                continue
            if as_of is None or extract_date <= as_of:
                drops.append(Drop(extract_date, system, child))
    return sorted(drops)


def complete_drops(landing: Path, as_of: date) -> list[Drop]:
    """Drops dated up to `as_of` whose manifest is present, in date order."""
    return [d for d in find_drops(landing, as_of) if d.is_complete]


def pending_drops(landing: Path, as_of: date) -> list[Drop]:
    """Drops dated up to `as_of` still without a manifest (being written), in date order."""
    return [d for d in find_drops(landing, as_of) if not d.is_complete]


def missing_systems(landing: Path, as_of: date) -> list[str]:
    """Systems without a complete drop dated exactly `as_of` (what a sensor waits for)."""
    ready = {d.system for d in complete_drops(landing, as_of) if d.extract_date == as_of}
    return [s for s in contract.SYSTEMS if s not in ready]


def drops_ready(landing: Path, as_of: date) -> bool:
    """True once every system has a complete drop for `as_of`."""
    return not missing_systems(landing, as_of)


def refuse_link(drop: Drop, path: Path, where: str) -> None:
    """A drop's file must be a regular file inside the landing zone: a symbolic link (or a
    path that leads out of the landing zone) stops the load before anything is read."""
    landing = drop.path.parent.parent.resolve()
    if path.is_symlink() or drop.path.is_symlink() or not path.resolve().is_relative_to(landing):
        raise LoadError(
            f"{where}: is a symbolic link or leads out of the landing zone; the loader "
            "reads only regular files inside it"
        )


def read_manifest(drop: Drop) -> dict[str, ManifestEntry]:
    """The manifest's files, checked for form and for naming this drop's system and date."""
    where = f"{drop.label}/{contract.MANIFEST_NAME}"
    try:
        refuse_link(drop, drop.manifest_path, where)
        # utf-8-sig: a manifest written with a byte-order mark is read like one without
        data = json.loads(drop.manifest_path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise LoadError(f"{where}: unreadable manifest ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise LoadError(f"{where}: manifest has no 'files' object")
    if data.get("system") not in (None, drop.system):
        raise LoadError(f"{where}: manifest names system {data.get('system')!r}")
    if data.get("extract_date") not in (None, drop.extract_date.isoformat()):
        raise LoadError(f"{where}: manifest names extract_date {data.get('extract_date')!r}")
    files: dict[str, ManifestEntry] = {}
    for name, entry in data["files"].items():
        try:
            rows = int(entry["rows"])
            sha = str(entry["sha256"]).lower()
        except (KeyError, TypeError, ValueError) as exc:
            raise LoadError(f"{where}: entry for {name} lacks rows or sha256") from exc
        files[name] = ManifestEntry(rows, sha)
    return files
