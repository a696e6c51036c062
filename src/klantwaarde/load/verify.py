"""Checks that stop a drop before anything of it is loaded: files, checksums, row counts."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from klantwaarde import contract
from klantwaarde.errors import LoadError
from klantwaarde.load.landing import Drop, ManifestEntry, read_manifest, refuse_link

_CHUNK = 8 * 1024 * 1024

# the control characters a value must not hold (flags.CONTROL_PATTERN): bytes.translate
# with these bytes kept and every other byte deleted leaves what a chunk holds of them
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
# JSON writes them as escapes: \u0000-\u001f, \u007f, \b and \f
_JSON_CONTROL_ESCAPES = (b"\\u00", b"\\b", b"\\f")
_LF, _CR, _COMMA = ord("\n"), ord("\r"), ord(",")


@dataclass(frozen=True)
class FileFacts:
    """What one pass over a file's bytes tells: checksum, size, physical lines."""

    path: Path
    sha256: str
    size: int
    mtime_ns: int
    lines: int  # physical lines: newlines, plus one for a last line without a newline
    last_byte: bytes
    # lines that end in a comma: DuckDB's CSV reader takes `4,5,6,` for three columns, so
    # a CSV with such lines is split by the csv module instead (see file_load)
    comma_ends: int = 0
    # whether a value may hold a control character: a control byte, or (JSON Lines) an
    # escape of one somewhere in the file. False proves there is none; True may also be
    # an escaped backslash before a 'b' or an 'f', or the escape of a character from
    # \u0080-\u00ff. The loader scans for them only where True.
    control_characters: bool = True


def file_facts(path: Path) -> FileFacts:
    """SHA-256, physical line count and the control-character check in one streaming pass.

    Only a CSV counts the lines that end in a comma (`_line_ends`); a JSON Lines file
    looks for the escapes of control characters only in chunks that hold a backslash.
    """
    digest = hashlib.sha256()
    newlines = 0
    comma_ends = 0
    control = False
    is_csv = path.suffix == ".csv"
    escapes = _JSON_CONTROL_ESCAPES if path.suffix == ".jsonl" else ()
    tail = b""  # the end of the previous chunk: an escape or a line end split between two
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            if not control:
                joined = tail[-8:] + chunk[:8]
                control = bool(chunk.translate(None, _NOT_CONTROL)) or any(
                    escape in joined or (b"\\" in chunk and escape in chunk) for escape in escapes
                )
            lines, commas = _line_ends(tail[-2:], chunk, is_csv)
            newlines += lines
            comma_ends += commas
            tail = chunk[-8:] if len(chunk) >= 8 else (tail + chunk)[-8:]
    stat = os.stat(path)
    last = tail[-1:]
    lines = newlines + (1 if last not in (b"", b"\n") else 0)
    comma_ends += 1 if is_csv and last == b"," else 0
    return FileFacts(
        path, digest.hexdigest(), stat.st_size, stat.st_mtime_ns, lines, last, comma_ends, control
    )


def _line_ends(before: bytes, chunk: bytes, commas: bool) -> tuple[int, int]:
    """Newlines in `chunk`, and (`commas`) how many end a line whose last field is empty
    (`,\\n` or `,\\r\\n`); `before`: the last bytes of the previous chunk. One vectorised
    pass over the newlines instead of a `bytes.count` per two-byte pattern."""
    if not commas:
        return chunk.count(b"\n"), 0
    pad = b"\n" * (2 - len(before)) + before  # two bytes before the chunk, neither , nor CR
    data = np.frombuffer(pad + chunk, np.uint8)
    at = np.flatnonzero(data[2:] == _LF) + 2
    previous = data[at - 1]
    crlf = at[previous == _CR]
    ends = np.count_nonzero(previous == _COMMA) + np.count_nonzero(data[crlf - 2] == _COMMA)
    return len(at), int(ends)


def hash_files(paths: list[Path], workers: int = 2) -> dict[Path, FileFacts]:
    """file_facts for several files at once (hashlib releases the GIL on big buffers)."""
    if len(paths) <= 1 or workers <= 1:
        return {p: file_facts(p) for p in paths}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(paths, pool.map(file_facts, paths), strict=True))


@dataclass(frozen=True)
class VerifiedFile:
    entity: contract.Entity
    source_file: str  # <system>/<date>/<file>
    manifest: ManifestEntry
    facts: FileFacts


def verify_drop(drop: Drop, workers: int = 2) -> list[VerifiedFile]:
    """Check a complete drop against its manifest and the contract.

    Returns the contract files in load order (masters first, then deltas, each in contract
    order). Raises LoadError naming the file when a contract file is missing from the
    manifest or the folder, or a checksum differs. Row counts are checked after parsing.
    """
    manifest = read_manifest(drop)
    ents = contract.entities(drop.system)
    ordered = [e for e in ents if e.kind == "master"] + [e for e in ents if e.kind == "delta"]
    paths: list[Path] = []
    for ent in ordered:
        where = drop.source_file(ent.file_name)
        listed = ent.file_name in manifest
        present = (drop.path / ent.file_name).is_file()
        if not listed and not present:
            raise LoadError(f"{where}: contract file missing from the drop and its manifest")
        if not listed:
            raise LoadError(f"{where}: file present but not listed in the manifest")
        if not present:
            raise LoadError(f"{where}: listed in the manifest but absent from the drop")
        refuse_link(drop, drop.path / ent.file_name, where)
        paths.append(drop.path / ent.file_name)
    facts = hash_files(paths, workers)
    verified: list[VerifiedFile] = []
    for ent, path in zip(ordered, paths, strict=True):
        entry = manifest[ent.file_name]
        fact = facts[path]
        where = drop.source_file(ent.file_name)
        if fact.sha256 != entry.sha256:
            raise LoadError(
                f"{where}: checksum mismatch, manifest sha256 {entry.sha256[:12]}…, "
                f"file {fact.sha256[:12]}…"
            )
        if fact.size == 0 and entry.rows != 0:
            raise LoadError(f"{where}: file is empty but the manifest says {entry.rows} rows")
        verified.append(VerifiedFile(ent, where, entry, fact))
    return verified


def check_row_count(vf: VerifiedFile, rows_in: int) -> None:
    if rows_in != vf.manifest.rows:
        raise LoadError(
            f"{vf.source_file}: row count mismatch, manifest says {vf.manifest.rows} rows, "
            f"file has {rows_in}"
        )
