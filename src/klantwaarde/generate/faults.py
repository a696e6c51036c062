"""What real extracts get wrong (shared/contracts.md §1), planted on purpose.

Row-level faults, at `--dirty-rate` R, planted in the written files before the manifest
(so manifests stay true): `bad_date`, `bad_amount`, `wrong_column_count` (CSV) /
`broken_json` (JSON Lines), `duplicate_key` (an earlier line with the same key and
other values; the last line is the true one), `unknown_reference`, `mojibake` (UTF-8
text decoded as Latin-1 and encoded again: `MÃ¼ller`) and `non_eur_currency` (whole
invoices in USD/GBP, planted in the data so the ledger books their EUR value). A delta row
that was broken (malformed or an unknown reference) comes again, correct, at the end of
the next drop's file, so the money story survives the quarantine. Once per
run: an empty delta file, an added column in one drop's file, and a pending drop (no
manifest) the night after the last. Every planted fault is a row of `faults.csv`.

`plant_stopping_fault(landing, kind)` breaks one complete drop in place so that the
loader must stop: `row_count_mismatch`, `checksum_mismatch`, `missing_file`,
`renamed_column`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from klantwaarde import contract
from klantwaarde.generate.drops import Spec, sha256
from klantwaarde.generate.timeline import Timeline

STOPPING_KINDS = ("row_count_mismatch", "checksum_mismatch", "missing_file", "renamed_column")

BAD_DATES = ("31-02-2025", "2025-13-45", "n/a", "00-00-0000", "gisteren", "2025/02/30")
BAD_AMOUNTS = ("12,50 EUR", "n.v.t.", "1.234,56", "€ 45", "abc", "--")
DATE_TYPES = ("DATE", "TIMESTAMP")
AMOUNT_TYPES = (contract.MONEY, contract.PRICE, contract.QUANTITY, "INTEGER")
NAME_COLUMNS = {
    ("erp", "customers"): "name",
    ("erp", "products"): "description",
    ("crm", "accounts"): "name",
    ("servicedesk", "organizations"): "name",
}
UNKNOWN = {
    "customer_no": "999999",
    "product_code": "ART-99999",
    "organization_id": "360999999999",
    "regardingobjectid": "00000000-dead-beef-0000-000000000000",
    "parentaccountid": "00000000-dead-beef-0000-000000000001",
}
ADDED_COLUMN = "sla_policy"
# columns with a fixed set of values: a duplicate's earlier version keeps them valid
ENUMS = {
    "currency",
    "statecode",
    "activitytypecode",
    "customertypecode",
    "status",
    "priority",
    "channel",
    "category",
    "satisfaction_rating",
    "country_code",
    "account_no",
    "cost_center",
    "product_group",
    "strategic_importance",
    "industrycode",
}
# faults after which the source sends the row again, correct, the next night
RESEND = {"bad_date", "bad_amount", "wrong_column_count", "broken_json", "unknown_reference"}


class Planter:
    """Plants the row-level faults into files as the writer produces them."""

    def __init__(self, rng: np.random.Generator, rate: float, tl: Timeline, seed: int):
        self.rng = rng
        self.rate = rate
        self.tl = tl
        self.seed = seed
        self.records: list[tuple] = []
        self.empty_file: tuple[str, str, int] | None = None
        self.added_column: tuple[str, str, int] | None = None
        self._forced: set[tuple[str, str, str]] = set()
        # good versions of broken delta rows, sent again in the next drop
        self.carry: dict[tuple[str, str], list[bytes]] = {}
        self.resent = 0

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(r[5] for r in self.records).items()))

    def prepare(self, specs: dict[str, list[Spec]], writer) -> None:
        """Once-per-run faults that must be decided before writing."""
        days = self.tl.drop_days
        nightly = days[1:] if len(days) > 1 else days
        # an empty delta: the payments of one night come a night late
        d = nightly[0]
        self.empty_file = ("erp", "payments", d)
        for spec in specs["erp"]:
            if spec.entity == "payments":
                import pyarrow.compute as pc

                v = spec.table.column("_v")
                moved = pc.if_else(pc.equal(v, d), d + 1, v)
                spec.table = spec.table.set_column(
                    spec.table.schema.get_field_index("_v"), "_v", moved
                )
        # an added column in one drop's file (a source-system upgrade, rolled back)
        self.added_column = ("servicedesk", "tickets", days[-1])
        writer.extra_columns[self.added_column] = [f"'standard' AS {ADDED_COLUMN}"]

    # ---- called by the writer for every file -------------------------------------------
    def after_file(self, spec: Spec, day: int, path: Path, rows: int) -> int:
        if self.rate <= 0:
            return rows
        meta = spec.meta
        date_txt = self.tl.iso(day)
        if self.empty_file == (spec.system, spec.entity, day):
            path.write_bytes(b"")
            self.records.append((spec.system, date_txt, meta.file_name, 0, "", "empty_file"))
            return 0
        if self.added_column == (spec.system, spec.entity, day):
            self.records.append((spec.system, date_txt, meta.file_name, 1, "", "added_column"))
        carried = self.carry.pop((meta.system, meta.name), [])
        if day <= self.tl.drop_days[-1]:  # the pending drop is not loaded: leave it clean
            rows = self._plant_rows(meta, date_txt, path, rows)
        return rows + self._resend(meta, path, carried)

    def _resend(self, meta: contract.Entity, path: Path, lines: list[bytes]) -> int:
        """Append the good versions of last night's broken delta rows (the source sends
        them again), unless tonight's file already holds a newer version of the key."""
        if not lines:
            return 0
        header = 1 if meta.ext == "csv" else 0
        text = path.read_text(encoding="utf-8").split("\n")[header:]
        present = {_loose_key(meta, t) for t in text if t}
        extra = b""
        if header:
            n_cols = next(csv.reader([path.open(encoding="utf-8").readline()]))
            extra = b",standard" * (len(n_cols) - len(meta.columns))
        out = [raw.rstrip(b"\n") + extra + b"\n" for raw in lines if _key(meta, raw) not in present]
        with path.open("ab") as f:
            f.writelines(out)
        self.resent += len(out)
        return len(out)

    def _kinds(self, meta: contract.Entity) -> list[str]:
        kinds = []
        if any(t in DATE_TYPES for c, t in meta.columns.items() if c not in meta.key):
            kinds.append("bad_date")
        if any(t in AMOUNT_TYPES for c, t in meta.columns.items() if c not in meta.key):
            kinds.append("bad_amount")
        kinds.append("broken_json" if meta.ext == "jsonl" else "wrong_column_count")
        kinds.append("duplicate_key")
        if meta.references:
            kinds.append("unknown_reference")
        if (meta.system, meta.name) in NAME_COLUMNS:
            kinds.append("mojibake")
        return kinds

    def _plant_rows(self, meta: contract.Entity, date_txt: str, path: Path, rows: int) -> int:
        kinds = self._kinds(meta)
        n_fault = int(self.rng.binomial(rows, self.rate)) if rows else 0
        n_fault = min(n_fault, rows)
        targets = np.sort(self.rng.choice(rows, size=n_fault, replace=False)) if n_fault else []
        assign = list(self.rng.choice(len(kinds), size=len(targets))) if len(targets) else []
        # every kind at least once per file kind (in the first drop that has room)
        for i, k in enumerate(kinds):
            tag = (meta.system, meta.name, k)
            if tag not in self._forced and rows > 3 * len(kinds):
                self._forced.add(tag)
                if k not in [kinds[a] for a in assign]:
                    extra = int(self.rng.integers(0, rows))
                    if extra not in set(int(t) for t in targets):
                        targets = np.sort(np.r_[np.asarray(targets, dtype=np.int64), extra])
                        pos = int(np.searchsorted(targets, extra))
                        assign.insert(pos, i)
        plan = {int(t): kinds[int(a)] for t, a in zip(targets, assign, strict=True)}
        scan_currency = meta.system == "erp" and meta.name == "invoice_lines"
        if not plan and not scan_currency:
            return rows
        return self._rewrite(meta, date_txt, path, plan, scan_currency)

    def _rewrite(self, meta, date_txt, path: Path, plan: dict[int, str], scan_currency) -> int:
        """Rewrite only the planned lines; everything between them is copied as bytes.

        A newline index (numpy) finds the lines, so a 10-million-line file costs a read and
        a write, not a Python loop over every line.
        """
        header_lines = 1 if meta.ext == "csv" else 0
        cols = list(meta.columns)
        data = path.read_bytes()
        view = memoryview(data)
        buf = np.frombuffer(data, dtype=np.uint8)
        chunk = 1 << 26  # newline index in 64 MB pieces: no file-sized temporaries
        nl = np.concatenate(
            [np.flatnonzero(buf[i : i + chunk] == 10) + i for i in range(0, len(buf), chunk)]
            or [np.zeros(0, dtype=np.int64)]
        )
        rows = len(nl) - header_lines
        extra_cols = 0
        if header_lines:
            header = data[: nl[0]].decode("utf-8")
            extra_cols = header.count(",") + 1 - len(cols)
        foreign: set[int] = set()
        if scan_currency and rows:
            end = nl[header_lines:]
            is_eur = (
                (buf[end - 4] == ord(","))
                & (buf[end - 3] == ord("E"))
                & (buf[end - 2] == ord("U"))
                & (buf[end - 1] == ord("R"))
            )
            foreign = set(np.flatnonzero(~is_eur).tolist())
        todo = sorted(set(plan) | foreign)
        if not todo:
            return rows
        tmp = path.with_suffix(path.suffix + ".tmp")
        shift = 0  # lines inserted so far (duplicates)
        pos = 0  # bytes of `data` written so far
        with tmp.open("wb") as fout:
            for i in todo:
                a = int(nl[i + header_lines - 1]) + 1 if i + header_lines else 0
                b = int(nl[i + header_lines]) + 1
                fout.write(view[pos:a])
                pos = b
                raw = data[a:b]
                line_no = i + header_lines + 1 + shift
                if i in foreign:
                    fout.write(raw)
                    self.records.append(
                        (
                            meta.system,
                            date_txt,
                            meta.file_name,
                            line_no,
                            _key(meta, raw),
                            "non_eur_currency",
                        )
                    )
                    continue
                fields = _split(meta, raw.decode("utf-8").rstrip("\n"))
                key = "|".join(str(fields[c]) for c in meta.key)
                new_lines, fault = self._fault(meta, fields, cols, plan[i], extra_cols)
                if fault == "duplicate_key":
                    # the earlier copy is the faulty one; the true line follows it
                    fout.write(new_lines[0])
                    fout.write(raw)
                    self.records.append(
                        (meta.system, date_txt, meta.file_name, line_no, key, fault)
                    )
                    shift += 1
                    continue
                fout.write(new_lines[0] if new_lines else raw)
                if fault in RESEND and meta.kind == "delta":
                    self.carry.setdefault((meta.system, meta.name), []).append(raw)
                if fault:
                    self.records.append(
                        (meta.system, date_txt, meta.file_name, line_no, key, fault)
                    )
            fout.write(view[pos:])
        tmp.replace(path)
        return rows + shift

    def _fault(self, meta, fields: dict, cols: list[str], kind: str, extra_cols: int):
        rng = self.rng
        f = dict(fields)
        non_key = [c for c in cols if c not in meta.key]
        if kind == "mojibake":
            col = NAME_COLUMNS[(meta.system, meta.name)]
            val = f.get(col) or ""
            if val.isascii():
                kind = "bad_date" if "bad_date" in self._kinds(meta) else "duplicate_key"
            else:
                f[col] = val.encode("utf-8").decode("latin-1")
                return [_join(meta, f, extra_cols)], "mojibake"
        if kind == "unknown_reference":
            ref = meta.references[int(rng.integers(0, len(meta.references)))]
            if f.get(ref.column) in (None, ""):
                kind = "duplicate_key"
            else:
                f[ref.column] = UNKNOWN[ref.column]
                return [_join(meta, f, extra_cols)], "unknown_reference"
        if kind == "bad_date":
            c = [c for c in non_key if meta.columns[c] in DATE_TYPES and f.get(c) not in (None, "")]
            if not c:
                return [], None
            f[c[int(rng.integers(0, len(c)))]] = BAD_DATES[int(rng.integers(0, len(BAD_DATES)))]
            return [_join(meta, f, extra_cols)], "bad_date"
        if kind == "bad_amount":
            c = [
                c for c in non_key if meta.columns[c] in AMOUNT_TYPES and f.get(c) not in (None, "")
            ]
            if not c:
                return [], None
            f[c[int(rng.integers(0, len(c)))]] = BAD_AMOUNTS[int(rng.integers(0, len(BAD_AMOUNTS)))]
            return [_join(meta, f, extra_cols)], "bad_amount"
        if kind == "wrong_column_count":
            line = _join(meta, f, extra_cols).rstrip(b"\n")
            line = line + b",x" if rng.random() < 0.5 else line.rsplit(b",", 1)[0]
            return [line + b"\n"], "wrong_column_count"
        if kind == "broken_json":
            line = _join(meta, f, extra_cols).rstrip(b"\n")
            return [line[: max(10, len(line) // 2)] + b"\n"], "broken_json"
        if kind == "duplicate_key":
            # an earlier, valid version of the row: another amount, else another text
            filled = [c for c in non_key if f.get(c) not in (None, "")]
            refs = {r.column for r in meta.references}
            c = [
                x
                for x in filled
                if meta.columns[x] in (contract.MONEY, contract.PRICE, contract.QUANTITY)
            ]
            c = c or [x for x in filled if meta.columns[x] == "INTEGER" and x != "statecode"]
            c = c or [
                x
                for x in filled
                if meta.columns[x] == "VARCHAR" and x not in ENUMS and x not in refs
            ]
            if c:
                col = c[int(rng.integers(0, len(c)))]
                f[col] = _perturb(f[col], meta.columns[col])
            return [_join(meta, f, extra_cols)], "duplicate_key"
        return [], None


def _perturb(val, type_: str):
    """Another valid value of the same type: what an earlier version of the row held."""
    if isinstance(val, bool) or type_ == "BOOLEAN":
        return (not val) if isinstance(val, bool) else ("false" if val == "true" else "true")
    if type_ in (contract.MONEY, contract.PRICE, contract.QUANTITY, "INTEGER"):
        if isinstance(val, int | float):
            return val + 1
        try:
            d = Decimal(val)
        except InvalidOperation:
            return val
        return str(d + 1)
    return f"{val} (oud)"


def _split(meta: contract.Entity, text: str) -> dict:
    if meta.ext == "jsonl":
        return json.loads(text)
    values = next(csv.reader([text]))
    cols = list(meta.columns)
    out = dict(zip(cols, values[: len(cols)], strict=False))
    out["__extra__"] = values[len(cols) :]
    return out


def _join(meta: contract.Entity, fields: dict, extra_cols: int = 0) -> bytes:
    if meta.ext == "jsonl":
        body = {k: v for k, v in fields.items() if k != "__extra__"}
        return (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    buf = io.StringIO()
    values = [fields.get(c, "") for c in meta.columns] + list(fields.get("__extra__", []))
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue().encode("utf-8")


def _loose_key(meta: contract.Entity, line: str) -> str:
    """The key of a line, even of a broken one (first fields / a regex on the JSON)."""
    if meta.ext == "csv":
        return "|".join(next(csv.reader([line]))[: len(meta.key)])
    found = [re.search(f'"{k}":"([^"]*)"', line) for k in meta.key]
    return "|".join(m.group(1) if m else "" for m in found)


def _key(meta: contract.Entity, raw: bytes) -> str:
    f = _split(meta, raw.decode("utf-8").rstrip("\n"))
    return "|".join(str(f[c]) for c in meta.key)


# ---- stopping faults (for tests) ----------------------------------------------------------
def _complete_drops(landing: Path, system: str) -> list[Path]:
    root = Path(landing) / system
    return sorted(p for p in root.iterdir() if (p / contract.MANIFEST_NAME).exists())


def plant_stopping_fault(
    landing: Path,
    kind: str,
    system: str = "erp",
    extract_date: str | None = None,
    file_name: str | None = None,
) -> dict[str, str]:
    """Break one complete drop in place so that loading it must stop.

    Picks `system`'s last complete drop (or `extract_date`) and `file_name` (default:
    the first file of the manifest with data rows). Returns what was done:
    `{"system", "extract_date", "file", "kind", "detail"}`.
    """
    if kind not in STOPPING_KINDS:
        raise ValueError(f"unknown stopping fault {kind!r}; one of {', '.join(STOPPING_KINDS)}")
    drops = _complete_drops(Path(landing), system)
    if not drops:
        raise FileNotFoundError(f"no complete {system} drop under {landing}")
    folder = Path(landing) / system / extract_date if extract_date else drops[-1]
    manifest_path = folder / contract.MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    files = manifest["files"]
    if file_name is None:
        with_rows = [n for n, f in files.items() if f["rows"] > 0]
        file_name = (with_rows or list(files))[0]
    path = folder / file_name
    detail = ""
    if kind == "row_count_mismatch":
        files[file_name]["rows"] += 1
        detail = f"manifest says {files[file_name]['rows']} rows"
    elif kind == "checksum_mismatch":
        data = bytearray(path.read_bytes())
        # change one digit in the last data line: same rows, other bytes
        i = len(data) - 2
        while i > 0 and not chr(data[i]).isdigit():
            i -= 1
        data[i] = ord("0") if data[i] != ord("0") else ord("1")
        path.write_bytes(bytes(data))
        detail = f"byte {i} changed after the manifest was written"
    elif kind == "missing_file":
        path.unlink()
        detail = "file deleted, manifest still lists it"
    elif kind == "renamed_column":
        meta = contract.entity_for_file(system, file_name)
        col = next(c for c in meta.columns if c not in meta.key)
        new = f"{col}_renamed"
        text = path.read_text(encoding="utf-8")
        if meta.ext == "csv":
            head, _, rest = text.partition("\n")
            names = next(csv.reader([head]))
            names = [new if n == col else n for n in names]
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow(names)
            text = buf.getvalue() + rest
        else:
            text = text.replace(f'"{col}":', f'"{new}":')
        path.write_text(text, encoding="utf-8")
        files[file_name]["sha256"] = sha256(path)
        detail = f"column {col} renamed to {new} (manifest updated to match)"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return {
        "system": system,
        "extract_date": folder.name,
        "file": file_name,
        "kind": kind,
        "detail": detail,
    }
