"""Segmentation and future-value settings: the defaults in the shipped config folder's
`settings.yml` (`config/settings.yml`), overridden by a config folder's own `settings.yml`
(`klantwaarde.config`; keys not in it keep their defaults).

Every threshold, share and label the segmentation uses comes from here. Numbers are held as
`Decimal` (parsed from their text, never through binary floats) so that tier sizes and
shares are computed exactly.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from klantwaarde.segment.errors import SegmentConfigError

DEFAULTS_FILE = Path(__file__).resolve().parents[3] / "config" / "settings.yml"
WHITNEY_CLASSES = ("YYY", "YYN", "YNY", "YNN", "NYY", "NYN", "NNY", "NNN")


def _dec(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise SegmentConfigError(f"segment config {where}: expected a number, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise SegmentConfigError(
            f"segment config {where}: expected a number, got {value!r}"
        ) from exc


def _share(value: Any, where: str) -> Decimal:
    number = _dec(value, where)
    if not Decimal(0) <= number <= Decimal(1):
        raise SegmentConfigError(f"segment config {where}: {number} is not a share in [0, 1]")
    return number


def _customer_split(raw: Mapping[str, Any]) -> dict[str, Decimal]:
    parts = ("contribution", "clv", "potential_value")
    split = {k: _share(raw.get(k, 0), f"budget.customer_split.{k}") for k in parts}
    unknown = sorted(set(raw) - set(parts))
    if unknown or sum(split.values()) != 1:
        raise SegmentConfigError(
            f"segment config budget.customer_split: weights of {parts} adding up to 1"
            + (f" (unknown {unknown})" if unknown else "")
        )
    return split


def _choice(value: Any, where: str, allowed: tuple[str, ...]) -> str:
    if str(value) not in allowed:
        raise SegmentConfigError(f"segment config {where}: {value!r} is not one of {allowed}")
    return str(value)


def _split(value: Any, where: str) -> Decimal | None:
    """`median` (None) or a fixed number."""
    if isinstance(value, str) and value.strip().lower() == "median":
        return None
    return _dec(value, where)


@dataclass(frozen=True)
class ParetoConfig:
    a_share: Decimal = Decimal("0.80")
    b_share: Decimal = Decimal("0.15")
    label_a: str = "A"
    label_b: str = "B"
    label_c: str = "C"
    inactive_class: str | None = "C"


@dataclass(frozen=True)
class CurryConfig:
    tiers: tuple[tuple[str, Decimal], ...] = (
        ("top", Decimal("0.01")),
        ("big", Decimal("0.04")),
        ("medium", Decimal("0.15")),
    )
    rest_label: str = "small"
    inactive_label: str = "inactive"
    prospect_label: str = "prospect"

    @property
    def labels(self) -> tuple[str, ...]:
        """Every tier label, in pyramid order."""
        ranked = tuple(label for label, _ in self.tiers)
        return (*ranked, self.rest_label, self.inactive_label, self.prospect_label)


@dataclass(frozen=True)
class WhitneyConfig:
    pipeline_threshold: Decimal = Decimal("50000.00")
    significant_method: str = "top_customers"
    top_customer_share: Decimal = Decimal("0.05")
    min_revenue_share: Decimal = Decimal("0.01")
    profit_threshold: Decimal = Decimal("0.00")
    actions: Mapping[str, str] = field(default_factory=dict)
    basis: str = "current"  # current | future | both: what "profitable" is judged on


@dataclass(frozen=True)
class ValueMatrixConfig:
    contribution_split: Decimal | None = None  # None: median of active customers
    satisfaction_split: Decimal | None = None
    partner: str = "partner"
    potential_defector: str = "potential_defector"
    profiteer: str = "profiteer"
    marginal: str = "marginal"
    unrated: str = "unrated"
    no_revenue: str = "no_revenue"
    value_basis: str = "contribution"  # contribution | clv


@dataclass(frozen=True)
class StatusConfig:
    new_months: int = 12
    decline_threshold: Decimal = Decimal("0.20")
    lapsed_months: int = 6
    lost_months: int = 12


@dataclass(frozen=True)
class AttentionConfig:
    attention_share: Decimal = Decimal("0.80")
    top_profit_customer_share: Decimal = Decimal("0.20")


@dataclass(frozen=True)
class BudgetConfig:
    policy_weights: Mapping[str, Decimal] = field(default_factory=dict)
    contribution_weight: Decimal = Decimal("0.50")
    # per-customer split inside a class: weights of contribution, clv, potential_value
    customer_split: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class VisitConfig:
    per_year: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class FutureValueConfig:
    discount_rate_annual: Decimal = Decimal("0.10")
    horizon_months: int = 36
    holdout_weeks: int = 26
    min_repeat_customers: int = 30


@dataclass(frozen=True)
class SegmentConfig:
    """All segmentation settings. Build with `SegmentConfig.default()` or `from_yaml()`."""

    pareto: ParetoConfig
    curry: CurryConfig
    whitney: WhitneyConfig
    value_matrix: ValueMatrixConfig
    status: StatusConfig
    attention: AttentionConfig
    budget: BudgetConfig
    visits: VisitConfig
    future_value: FutureValueConfig = field(default_factory=FutureValueConfig)

    @classmethod
    def default(cls) -> SegmentConfig:
        return cls.from_mapping({})

    @classmethod
    def from_yaml(cls, path: str | Path) -> SegmentConfig:
        """The defaults, with every key present in the YAML file at `path` replaced."""
        return cls.from_mapping(read_yaml(path))

    @classmethod
    def from_mapping(cls, override: Mapping[str, Any]) -> SegmentConfig:
        raw = _merge(default_mapping(), override, "")
        return _build(raw)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The mapping of a settings file (not merged)."""
    try:
        override = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SegmentConfigError(f"segment config {path}: cannot read: {exc}") from exc
    if not isinstance(override, dict):
        raise SegmentConfigError(f"segment config {path}: the top level must be a mapping")
    return override


def merged_mapping(override: Mapping[str, Any]) -> dict[str, Any]:
    """The shipped defaults with `override`'s keys replaced (unknown keys: an error)."""
    return _merge(default_mapping(), override, "")


def default_mapping() -> dict[str, Any]:
    """The parsed shipped `config/settings.yml` (a fresh copy each call)."""
    return copy.deepcopy(_defaults_text_parsed())


@functools.cache
def _defaults_text_parsed() -> dict[str, Any]:
    text = DEFAULTS_FILE.read_text("utf-8")
    return yaml.safe_load(text)


def _merge(base: Any, override: Any, where: str) -> Any:
    """Deep merge: mappings merge key by key (unknown keys are an error), the rest replaces."""
    if not isinstance(base, dict) or not isinstance(override, Mapping):
        return override
    merged = dict(base)
    for key, value in override.items():
        # Open mappings (keyed by class or tier) may gain keys; the others may not.
        if key not in base and where not in _OPEN_MAPPINGS:
            raise SegmentConfigError(f"segment config: unknown key {where}{key}")
        merged[key] = _merge(base.get(key), value, f"{where}{key}.")
    return merged


_OPEN_MAPPINGS = {"visits.per_year."}


def _build(raw: Mapping[str, Any]) -> SegmentConfig:
    p, c, w, v = raw["pareto"], raw["curry"], raw["whitney"], raw["value_matrix"]
    s, a, b, vi = raw["status"], raw["attention"], raw["budget"], raw["visits"]

    pareto = ParetoConfig(
        a_share=_share(p["a_share"], "pareto.a_share"),
        b_share=_share(p["b_share"], "pareto.b_share"),
        label_a=str(p["labels"]["a"]),
        label_b=str(p["labels"]["b"]),
        label_c=str(p["labels"]["c"]),
        inactive_class=None if p["inactive_class"] is None else str(p["inactive_class"]),
    )
    if pareto.a_share + pareto.b_share > 1:
        raise SegmentConfigError("segment config pareto: a_share + b_share exceeds 1")

    tiers = tuple(
        (str(t["label"]), _share(t["share"], f"curry.tiers[{i}].share"))
        for i, t in enumerate(c["tiers"])
    )
    if sum((share for _, share in tiers), Decimal(0)) > 1:
        raise SegmentConfigError("segment config curry.tiers: the shares add up to more than 1")
    curry = CurryConfig(
        tiers=tiers,
        rest_label=str(c["rest_label"]),
        inactive_label=str(c["inactive_label"]),
        prospect_label=str(c["prospect_label"]),
    )
    if len(set(curry.labels)) != len(curry.labels):
        raise SegmentConfigError("segment config curry: tier labels must be distinct")

    method = str(w["significant_method"])
    if method not in ("top_customers", "revenue_share"):
        raise SegmentConfigError(
            f"segment config whitney.significant_method: {method!r} is not "
            "'top_customers' or 'revenue_share'"
        )
    actions = {str(k): str(val) for k, val in w["actions"].items()}
    missing = [cls for cls in WHITNEY_CLASSES if cls not in actions]
    if missing:
        raise SegmentConfigError(f"segment config whitney.actions: missing {missing}")
    whitney = WhitneyConfig(
        pipeline_threshold=_dec(w["pipeline_threshold"], "whitney.pipeline_threshold"),
        significant_method=method,
        top_customer_share=_share(w["top_customer_share"], "whitney.top_customer_share"),
        min_revenue_share=_share(w["min_revenue_share"], "whitney.min_revenue_share"),
        profit_threshold=_dec(w["profit_threshold"], "whitney.profit_threshold"),
        actions=actions,
        basis=_choice(w["basis"], "whitney.basis", ("current", "future", "both")),
    )

    labels = v["labels"]
    value_matrix = ValueMatrixConfig(
        contribution_split=_split(v["contribution_split"], "value_matrix.contribution_split"),
        satisfaction_split=_split(v["satisfaction_split"], "value_matrix.satisfaction_split"),
        partner=str(labels["high_high"]),
        potential_defector=str(labels["high_low"]),
        profiteer=str(labels["low_high"]),
        marginal=str(labels["low_low"]),
        unrated=str(labels["unrated"]),
        no_revenue=str(labels["no_revenue"]),
        value_basis=_choice(v["value_basis"], "value_matrix.value_basis", ("contribution", "clv")),
    )

    status = StatusConfig(
        new_months=int(s["new_months"]),
        decline_threshold=_share(s["decline_threshold"], "status.decline_threshold"),
        lapsed_months=int(s["lapsed_months"]),
        lost_months=int(s["lost_months"]),
    )
    if not 0 < status.lapsed_months < status.lost_months:
        raise SegmentConfigError(
            "segment config status: need 0 < lapsed_months < lost_months, got "
            f"{status.lapsed_months} and {status.lost_months}"
        )

    attention = AttentionConfig(
        attention_share=_share(a["attention_share"], "attention.attention_share"),
        top_profit_customer_share=_share(
            a["top_profit_customer_share"], "attention.top_profit_customer_share"
        ),
    )

    weights = {
        str(k): _dec(val, f"budget.policy_weights.{k}") for k, val in b["policy_weights"].items()
    }
    missing = [cls for cls in WHITNEY_CLASSES if cls not in weights]
    if missing or any(val < 0 for val in weights.values()):
        raise SegmentConfigError(
            f"segment config budget.policy_weights: need a weight >= 0 for every class "
            f"(missing {missing})"
        )
    budget = BudgetConfig(
        policy_weights=weights,
        contribution_weight=_share(b["contribution_weight"], "budget.contribution_weight"),
        customer_split=_customer_split(b["customer_split"]),
    )

    per_year = {str(k): _dec(val, f"visits.per_year.{k}") for k, val in vi["per_year"].items()}
    visits = VisitConfig(
        per_year={label: per_year.get(label, Decimal(0)) for label in curry.labels}
    )

    fv = raw["future_value"]
    future_value = FutureValueConfig(
        discount_rate_annual=_share(
            fv["discount_rate_annual"], "future_value.discount_rate_annual"
        ),
        horizon_months=int(fv["horizon_months"]),
        holdout_weeks=int(fv["holdout_weeks"]),
        min_repeat_customers=int(fv["min_repeat_customers"]),
    )
    if future_value.horizon_months < 1 or future_value.holdout_weeks < 1:
        raise SegmentConfigError(
            "segment config future_value: horizon_months and holdout_weeks must be >= 1"
        )

    return SegmentConfig(
        pareto, curry, whitney, value_matrix, status, attention, budget, visits, future_value
    )
