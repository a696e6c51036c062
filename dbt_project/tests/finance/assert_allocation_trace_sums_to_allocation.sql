-- The GL accounts traced behind a customer's pool amount add up to that amount, over the
-- rows this build wrote (macro tested_customer_rows).
with

traced as (

    select customer_key, period_month, cost_pool, sum(allocated_amount) as traced_amount
    from {{ ref('fct_allocation_trace') }}
    where {{ tested_customer_rows() }}
    group by customer_key, period_month, cost_pool

)

select allocation.*, traced.traced_amount
from (
    select * from {{ ref('fct_cost_allocation') }}
    where {{ tested_customer_rows() }}
) as allocation
full outer join traced
    on allocation.customer_key = traced.customer_key
    and allocation.period_month = traced.period_month
    and allocation.cost_pool = traced.cost_pool
where allocation.allocated_amount is distinct from traced.traced_amount
