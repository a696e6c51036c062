"""`klantwaarde generate`: a simulated wholesale company and its nightly extracts.

One job per module:

| module | job |
|---|---|
| `timeline` | history, drop nights, day arithmetic |
| `names` | company identities and how other systems misspell them |
| `company` | customers (size, life cycle, behaviour, loss-makers) and products |
| `erp` | orders, deliveries, invoice lines, credit notes, payments, write-offs |
| `ledger` | GL on the chart of accounts, reconciling to the invoices |
| `crm` | accounts (duplicates, prospects, partners), activities, opportunities |
| `servicedesk` | organizations and tickets |
| `extracts` | internal tables → contract columns (SQL) |
| `drops` | landing-zone layout, deltas/snapshots, manifests |
| `faults` | planted row-level faults and `plant_stopping_fault` for tests |
| `truth` | ground truth in `<out>_truth/` |

Same seed, same bytes: every random draw comes from generators seeded with
`(seed, stream)`, and DuckDB writes rows in the order of the registered tables.
"""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import numpy as np

from klantwaarde.contract import SYSTEMS
from klantwaarde.errors import KlantwaardeError
from klantwaarde.generate.timeline import DEFAULT_NIGHTLY_DAYS, DEFAULT_START, Timeline
from klantwaarde.generate.truth import TRUTH_FILES

__all__ = ["DEFAULT_NIGHTLY_DAYS", "DEFAULT_START", "generate"]


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def generate(
    out: Path,
    customers: int,
    months: int,
    seed: int,
    start: date | None = None,
    dirty_rate: float = 0.0,
    nightly_days: int | None = None,
    with_ledger: bool = True,
) -> str:
    """Write the landing zone to `out` and the ground truth to `<out>_truth/`.

    `with_ledger=False`: an ERP that exports invoices but no GL entries (every
    gl_entries.csv holds its header only; contracts §7, a revenue-only company).

    Returns a short human summary (files, rows per entity, bytes, seconds).
    """
    from klantwaarde.generate import faults as faults_mod
    from klantwaarde.generate.company import build_company
    from klantwaarde.generate.crm import build_crm
    from klantwaarde.generate.drops import DropWriter, connect
    from klantwaarde.generate.erp import FX_EUR_PER_UNIT, build_erp
    from klantwaarde.generate.extracts import crm_specs, erp_specs, servicedesk_specs
    from klantwaarde.generate.ledger import build_ledger
    from klantwaarde.generate.servicedesk import build_servicedesk
    from klantwaarde.generate.truth import truth_dir, write_company_config, write_truth

    t0 = time.perf_counter()
    if customers < 10:
        raise KlantwaardeError("generate needs at least 10 customers")
    if months < 1:
        raise KlantwaardeError("generate needs at least one month of history")
    out = Path(out)
    tl = Timeline(
        start or DEFAULT_START,
        months,
        DEFAULT_NIGHTLY_DAYS if nightly_days is None else nightly_days,
    )
    _clear(out, set(SYSTEMS))
    _clear(truth_dir(out), set(TRUTH_FILES))
    out.mkdir(parents=True)

    phases: dict[str, float] = {}

    def timed(name, fn, *args):
        t = time.perf_counter()
        result = fn(*args)
        phases[name] = time.perf_counter() - t
        return result

    co = timed("company", build_company, _rng(seed, 1), customers, tl)
    erp = timed("erp", build_erp, _rng(seed, 2), co, tl, dirty_rate)
    crm = timed("crm", build_crm, _rng(seed, 3), co, tl, seed)
    sd = timed("servicedesk", build_servicedesk, _rng(seed, 4), co, crm, tl, seed)
    gl, drivers, capacity = timed(
        "ledger", build_ledger, _rng(seed, 5), co, erp, crm.activities, sd, tl
    )
    t_sim = time.perf_counter() - t0

    planter = faults_mod.Planter(_rng(seed, 6), dirty_rate, tl, seed)
    specs = {
        "erp": erp_specs(co, erp, gl if with_ledger else gl.iloc[0:0]),
        "crm": crm_specs(crm, seed),
        "servicedesk": servicedesk_specs(co, crm, sd),
    }
    writer = DropWriter(out, tl, connect(tl, seed))
    if dirty_rate > 0:
        planter.prepare(specs, writer)
    writer.after_file = planter.after_file
    for system, system_specs in specs.items():
        pending = tl.pending_day if (dirty_rate > 0 and system == "erp") else None
        writer.write_system(system_specs, tl.drop_days, pending)
    writer.con.close()

    summary = _summary(co, erp, crm, sd, gl, drivers, tl, seed, dirty_rate)
    summary["fx_eur_per_unit"] = FX_EUR_PER_UNIT
    summary["files"] = {
        k: {f: v[f] for f in ("files", "rows", "bytes")} for k, v in writer.stats.items()
    }
    summary["faults"] = planter.counts()
    summary["faulty_rows_sent_again"] = planter.resent
    summary["practical_capacity_minutes"] = capacity
    write_truth(out, co, crm, sd, planter.records, summary)
    write_company_config(truth_dir(out) / "config", capacity)

    seconds = time.perf_counter() - t0
    n_files = sum(s["files"] for s in writer.stats.values())
    total_bytes = sum(s["bytes"] for s in writer.stats.values())
    lines = [
        f"generated {out}: {n_files} files, {total_bytes / 1e6:,.1f} MB, "
        f"{len(tl.drop_days)} drops per system ({tl.iso(tl.drop_days[0])} initial … "
        f"{tl.iso(tl.drop_days[-1])}), {seconds:,.1f} s (simulation {t_sim:,.1f} s: "
        + ", ".join(f"{k} {v:.1f}" for k, v in phases.items())
        + ")",
    ]
    for name, st in writer.stats.items():
        lines.append(
            f"  {name:<28} {st['rows']:>12,} rows {st['bytes'] / 1e6:>10,.1f} MB"
            f" {st['write_s']:>7.1f} s write {st['check_s']:>6.1f} s check"
        )
    if dirty_rate > 0:
        lines.append(
            f"  planted faults: {sum(planter.counts().values()):,} "
            f"({', '.join(f'{k} {v}' for k, v in sorted(planter.counts().items()))})"
        )
    lines.append(f"  ground truth: {truth_dir(out)} (the company's cost model: config/)")
    return "\n".join(lines)


def _clear(folder: Path, allowed: set[str]) -> None:
    """Remove an earlier generated landing zone (or truth folder), and nothing else."""
    if not folder.exists():
        return
    strangers = sorted(p.name for p in folder.iterdir() if p.name not in allowed)
    if strangers:
        raise KlantwaardeError(
            f"{folder} holds more than a generated landing zone ({', '.join(strangers[:3])}); "
            "refusing to overwrite it"
        )
    shutil.rmtree(folder)


def _summary(co, erp, crm, sd, gl, drivers, tl, seed, dirty_rate) -> dict:
    from klantwaarde.generate.timeline import NEVER

    c = co.customers
    from klantwaarde.generate.erp import column

    final = column(erp.lines, "_nv") == NEVER
    cust = column(erp.lines, "cust")[final]
    net = column(erp.lines, "net_eur")[final]
    in_hist = column(erp.lines, "inv_day")[final] < tl.n_days
    rev_hist = np.bincount(cust[in_hist], weights=net[in_hist], minlength=len(c)) / 100
    srt = np.sort(rev_hist)[::-1]
    pos = srt[srt > 0]
    top20 = float(pos[: max(1, len(pos) // 5)].sum() / pos.sum()) if len(pos) else 0.0
    acc = crm.accounts.drop_duplicates("acc")
    gl_hist = gl[gl["day"] < tl.n_days]
    return {
        "seed": seed,
        "start": tl.start.isoformat(),
        "end": tl.end.isoformat(),
        "months": tl.months,
        "dirty_rate": dirty_rate,
        "drops": [tl.iso(d) for d in tl.drop_days],
        "initial_drop": tl.iso(tl.drop_days[0]),
        "pending_drop": tl.iso(tl.pending_day) if dirty_rate > 0 else None,
        "counts": {
            "customers": len(c),
            "customers_buying": int((rev_hist > 0).sum()),
            "lapsed_customers": int((c["lapse"] < tl.n_days).sum()),
            "dormant_customers": int(c["dormant"].sum()),
            "loss_makers": int(c["loss_maker"].sum()),
            "demanding_customers": int(c["demanding"].sum()),
            "products": len(co.products),
            "invoice_line_versions": int(sum(len(b["doc"]) for b in erp.lines)),
            "invoices_and_credit_notes": len(erp.docs),
            "credit_notes": int(erp.docs["is_cn"].sum()),
            "payments": len(erp.payments),
            "write_offs": len(erp.writeoffs),
            "gl_entries": len(gl),
            "crm_accounts": len(acc),
            "crm_duplicates": int(acc["is_dup"].sum()),
            "crm_prospects": int((acc["kind"] == "prospect").sum()),
            "crm_partners": int((acc["kind"] == "partner").sum()),
            "crm_activities_versions": len(crm.activities["id"]),
            "opportunity_versions": len(crm.opportunities),
            "sd_organizations": int(sd.organizations["org"].nunique()),
            "ticket_versions": len(sd.tickets["id"]),
        },
        "revenue_eur_history": round(float(rev_hist.sum()), 2),
        "pareto_top20_revenue_share": round(top20, 4),
        "loss_makers": c.loc[c["loss_maker"], "customer_no"].tolist(),
        "gl_by_account_eur_history": {
            str(k): round(float(v) / 100, 2)
            for k, v in gl_hist.groupby("account")["amount"].sum().items()
        },
        "drivers_per_month": {k: np.round(np.asarray(v), 2) for k, v in drivers.items()},
    }
