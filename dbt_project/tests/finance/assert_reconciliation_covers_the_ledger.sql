-- Every euro of GL cost in a month appears in the reconciliation ledger of that month
-- (no pool-month dropped, none invented).
with

gl_cost as (

    select period_month, sum(amount) as gl_amount
    from {{ ref('int_gl_entries_pooled') }}
    group by period_month

),

reconciled as (

    select period_month, sum(ledger_amount) as ledger_amount
    from {{ ref('reconciliation_ledger') }}
    group by period_month

)

select
    coalesce(gl_cost.period_month, reconciled.period_month) as period_month,
    gl_cost.gl_amount,
    reconciled.ledger_amount
from gl_cost
full outer join reconciled
    on gl_cost.period_month = reconciled.period_month
where gl_cost.gl_amount is distinct from reconciled.ledger_amount
