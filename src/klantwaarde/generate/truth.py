"""Ground truth, written outside the landing zone to the sibling folder `<out>_truth/`.

`crm_accounts.csv` (accountid → customer_no, empty for CRM-only companies),
`servicedesk_organizations.csv` (organization_id → customer_no, accountid),
`faults.csv` (every planted fault: system, extract_date, file, line_no, key, fault) and
`summary.json` (volumes, loss-makers, FX rates, drop dates, the ledger's drivers) and
`config/`: the generated company's cost model, a config folder for `klantwaarde run
--config` (the shipped example with the practical capacity of the company's staff).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from klantwaarde.generate.company import Company
from klantwaarde.generate.crm import Crm
from klantwaarde.generate.servicedesk import ServiceDesk

TRUTH_FILES = (
    "crm_accounts.csv",
    "servicedesk_organizations.csv",
    "faults.csv",
    "summary.json",
    "config",
)
FAULT_COLUMNS = ("system", "extract_date", "file", "line_no", "key", "fault")


def truth_dir(out: Path) -> Path:
    out = Path(out)
    return out.parent / f"{out.name}_truth"


def write_company_config(folder: Path, capacity: dict[str, int]) -> Path:
    """The shipped example config with each time-driven pool's practical capacity set to
    the generated staff's (`capacity`: pool -> minutes a month)."""
    from klantwaarde.config import DEFAULT_CONFIG_DIR

    shutil.copytree(DEFAULT_CONFIG_DIR, folder, dirs_exist_ok=True)
    pools = pd.read_csv(folder / "cost_pools.csv", dtype=str, keep_default_na=False)
    for pool, minutes in capacity.items():
        pools.loc[pools["cost_pool"] == pool, "practical_capacity_minutes"] = str(minutes)
    pools.to_csv(folder / "cost_pools.csv", index=False, lineterminator="\n")
    return folder


def _cno(idx: np.ndarray) -> np.ndarray:
    return np.where(idx >= 0, (idx + 100001).astype(str), "")


def write_truth(
    out: Path, co: Company, crm: Crm, sd: ServiceDesk, faults: list[tuple], summary: dict
) -> Path:
    folder = truth_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    acc = crm.accounts.drop_duplicates("acc").sort_values("acc")
    pd.DataFrame(
        {
            "accountid": acc["accountid"].to_numpy(),
            "customer_no": _cno(acc["cust"].to_numpy()),
            "customertypecode": acc["kind"].to_numpy(),
            "is_duplicate": acc["is_dup"].to_numpy(),
            "accountnumber_state": acc["accno_state"].to_numpy(),
        }
    ).to_csv(folder / "crm_accounts.csv", index=False, lineterminator="\n")
    org = sd.organizations.drop_duplicates("org").sort_values("org")
    accountid = acc.set_index("acc")["accountid"]
    a = org["acc"].to_numpy()
    pd.DataFrame(
        {
            "organization_id": org["organization_id"].to_numpy(),
            "customer_no": _cno(org["cust"].to_numpy()),
            "accountid": np.where(a >= 0, accountid.reindex(a).to_numpy(), ""),
        }
    ).to_csv(folder / "servicedesk_organizations.csv", index=False, lineterminator="\n")
    with (folder / "faults.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FAULT_COLUMNS)
        w.writerows(sorted(faults, key=lambda r: (r[0], r[1], r[2], r[3], r[5])))
    (folder / "summary.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True, default=_plain) + "\n", encoding="utf-8"
    )
    return folder


def _plain(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return round(float(x), 4)
    if isinstance(x, np.ndarray):
        return np.round(x.astype(float), 4).tolist()
    raise TypeError(type(x))


def match_scores(
    out: Path, system: str, found: pd.DataFrame, source_column: str | None = None
) -> dict[str, float]:
    """Precision and recall of a matcher's links against the ground truth.

    `system` is "crm" (links accountid → customer_no) or "servicedesk" (links
    organization_id → customer_no); `found` holds one row per link the matcher made,
    with the source id column and `customer_no`. A link to a wrong customer counts
    against precision; a source with a true customer but no (right) link against recall.
    """
    files = {
        "crm": ("crm_accounts.csv", "accountid"),
        "servicedesk": ("servicedesk_organizations.csv", "organization_id"),
    }
    name, key = files[system]
    key = source_column or key
    truth = pd.read_csv(truth_dir(out) / name, dtype=str, keep_default_na=False)
    truth = truth.rename(columns={files[system][1]: key})
    truth = truth[truth["customer_no"] != ""][[key, "customer_no"]]
    found = found[[key, "customer_no"]].astype(str).drop_duplicates()
    found = found[found["customer_no"].str.len() > 0]
    hits = found.merge(truth, on=[key, "customer_no"])
    precision = len(hits) / len(found) if len(found) else 1.0
    recall = len(hits) / len(truth) if len(truth) else 1.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "links": len(found),
        "true_links": len(truth),
        "right_links": len(hits),
    }
