-- The allocation facts add up to the profitability facts: per customer and month,
-- Σ allocated cost-to-serve pools = cost_to_serve and Σ credit pools = credit_cost;
-- and per pool and month Σ allocated = reconciliation_ledger.allocated_amount; over the
-- rows this build wrote (macro tested_customer_rows; the pools over its months).
with

allocation_by_customer as (

    select
        customer_key,
        period_month,
        sum(allocated_amount) filter (where cost_class = 'cost_to_serve') as cost_to_serve,
        sum(allocated_amount) filter (where cost_class = 'credit') as credit_cost
    from {{ ref('fct_cost_allocation') }}
    where {{ tested_customer_rows() }}
    group by customer_key, period_month

),

profitability as (

    select * from {{ ref('fct_customer_profitability') }}
    where {{ tested_customer_rows() }}

),

customer_mismatches as (

    select
        'customer-month' as level,
        coalesce(allocation_by_customer.customer_key, profitability.customer_key) as customer_key,
        coalesce(allocation_by_customer.period_month, profitability.period_month) as period_month,
        cast(null as varchar) as cost_pool
    from allocation_by_customer
    full outer join profitability
        on allocation_by_customer.customer_key = profitability.customer_key
        and allocation_by_customer.period_month = profitability.period_month
    where coalesce(allocation_by_customer.cost_to_serve, 0) <> coalesce(profitability.cost_to_serve, 0)
       or coalesce(allocation_by_customer.credit_cost, 0) <> coalesce(profitability.credit_cost, 0)

),

allocation_by_pool as (

    select period_month, cost_pool, sum(allocated_amount) as allocated_amount
    from {{ ref('fct_cost_allocation') }}
    where period_month >= {{ tested_months_start() }}
    group by period_month, cost_pool

),

pool_mismatches as (

    select
        'pool-month' as level,
        cast(null as varchar) as customer_key,
        reconciliation.period_month,
        reconciliation.cost_pool
    from {{ ref('reconciliation_ledger') }} as reconciliation
    left join allocation_by_pool
        on reconciliation.period_month = allocation_by_pool.period_month
        and reconciliation.cost_pool = allocation_by_pool.cost_pool
    where reconciliation.period_month >= {{ tested_months_start() }}
        and reconciliation.allocated_amount <> coalesce(allocation_by_pool.allocated_amount, 0)

)

select * from customer_mismatches
union all
select * from pool_mismatches
