{#- Exact money arithmetic. Amounts are DECIMAL(18,2) euros; where a division is
    needed we work in integer cents (HUGEINT) so that nothing is lost to floating point. -#}

{#- euros (DECIMAL) → integer cents (HUGEINT) -#}
{% macro to_cents(amount) -%}
    cast(round(cast({{ amount }} as decimal(38, 2)) * 100) as hugeint)
{%- endmacro %}

{#- integer cents → DECIMAL(18,2) euros, exactly (a decimal multiplication, no division) -#}
{% macro from_cents(cents) -%}
    cast(cast({{ cents }} as decimal(38, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}

{#- Integer division of two HUGEINT expressions, rounded half away from zero. -#}
{% macro divide_round_half_up(numerator, denominator) -%}
    (sign({{ numerator }}) * ((abs({{ numerator }}) * 2 + abs({{ denominator }})) // (abs({{ denominator }}) * 2)) * sign({{ denominator }}))
{%- endmacro %}

{#- Largest-remainder (Hamilton) allocation of a group amount over members, exact to
    the cent: every member gets floor(total × weight / Σ weight) cents, and the cents
    left over go one each to the members with the largest remainders; ties are broken
    by `tie_break` (ascending), so the result is deterministic.

    relation     a relation or CTE name with one row per (group, member)
    group_by     list of column names that identify a group (e.g. period_month, cost_pool)
    amount       column holding the group's total amount (DECIMAL euros, same on every row)
    weight       SQL expression of the member's weight: a non-negative INTEGER (scale it
                 first, e.g. euro-days × 100); groups whose weights sum to 0 are dropped
    tie_break    column(s) for the deterministic tie-break, e.g. 'customer_key'

    Returns a subquery with every column of `relation` plus `allocated_amount`
    DECIMAL(18,2); Σ allocated_amount per group = amount exactly (negative totals keep
    their sign). -#}
{% macro allocate_largest_remainder(relation, group_by, amount, weight, tie_break) -%}
{%- set partition = group_by | join(', ') -%}
(
    with _lr_weighted as (
        select
            *,
            {{ to_cents(amount) }} as _lr_total_cents,
            cast({{ weight }} as hugeint) as _lr_weight
        from {{ relation }}
    ),
    _lr_floored as (
        select
            *,
            sum(_lr_weight) over (partition by {{ partition }}) as _lr_weight_total,
            abs(_lr_total_cents) * _lr_weight as _lr_product
        from _lr_weighted
    ),
    _lr_divided as (
        select
            *,
            _lr_product // _lr_weight_total as _lr_floor_cents
        from _lr_floored
        where _lr_weight_total > 0
    ),
    _lr_shares as (
        -- the remainder without a second division (half the time on 128-bit integers)
        select
            *,
            _lr_product - _lr_floor_cents * _lr_weight_total as _lr_remainder
        from _lr_divided
    ),
    _lr_ranked as (
        select
            *,
            abs(_lr_total_cents)
                - sum(_lr_floor_cents) over (partition by {{ partition }}) as _lr_leftover_cents,
            row_number() over (
                partition by {{ partition }}
                order by _lr_remainder desc, {{ tie_break }}
            ) as _lr_rank
        from _lr_shares
    )
    select
        * exclude (
            _lr_total_cents, _lr_weight, _lr_weight_total, _lr_product, _lr_floor_cents,
            _lr_remainder, _lr_leftover_cents, _lr_rank
        ),
        {{ from_cents(
            "sign(_lr_total_cents) * (_lr_floor_cents + case when _lr_rank <= _lr_leftover_cents then 1 else 0 end)"
        ) }} as allocated_amount
    from _lr_ranked
)
{%- endmacro %}
