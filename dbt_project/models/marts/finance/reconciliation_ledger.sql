{#- Every cost pool and month: what the ledger says, what went to customers, what did
    not and why. difference = ledger - allocated - unallocated is 0.00 on every row.
    The totals come from the allocations at the source's grain, which no customer mapping
    changes; customer_count counts the conformed customers of fct_cost_allocation. -#}
with

cost_pools_monthly as (

    select * from {{ ref('int_cost_pools_monthly') }}

),

cost_allocations as (

    select * from {{ ref('int_cost_allocations') }}

),

quarantined_gl_entries as (

    select * from {{ ref('int_gl_entries_quarantined_pooled') }}

),

cost_allocation as (

    select * from {{ ref('fct_cost_allocation') }}

),

ledger_months as (

    select * from {{ ref('ledger_months') }}

),

pool_months as (

    -- a pool and month whose only postings are in quarantine is a row too
    select period_month, cost_pool from cost_pools_monthly
    union
    select period_month, cost_pool from quarantined_gl_entries

),

allocation_totals as (

    select
        period_month,
        cost_pool,
        coalesce(sum(allocated_amount), 0)      as allocated_amount,
        coalesce(sum(unallocated_amount), 0)    as unallocated_amount,
        coalesce(sum(driver_quantity) filter (where system is not null), 0) as driver_quantity,
        coalesce(sum(used_minutes) filter (where system is not null), 0) as used_minutes,
        bool_or(is_over_capacity)               as is_over_capacity
    from cost_allocations
    group by period_month, cost_pool

),

customer_counts as (

    -- a customer has one row per pool and month in fct_cost_allocation (its key test)
    select period_month, cost_pool, count(*) as customer_count
    from cost_allocation
    group by period_month, cost_pool

),

unallocated_reasons as (

    select
        period_month,
        cost_pool,
        string_agg(distinct unallocated_reason, ';' order by unallocated_reason) as unallocated_reason
    from cost_allocations
    where unallocated_amount <> 0
    group by period_month, cost_pool

),

final as (

    select
        cast(pool_months.period_month as date)                                  as period_month,
        cast(pool_months.cost_pool as varchar)                                  as cost_pool,
        cast(coalesce(cost_pools_monthly.ledger_amount, 0) as decimal(18, 2))   as ledger_amount,
        cast(coalesce(allocation_totals.allocated_amount, 0) as decimal(18, 2)) as allocated_amount,
        cast(coalesce(allocation_totals.unallocated_amount, 0) as decimal(18, 2)) as unallocated_amount,
        cast(
            coalesce(cost_pools_monthly.ledger_amount, 0)
            - coalesce(allocation_totals.allocated_amount, 0)
            - coalesce(allocation_totals.unallocated_amount, 0)
            as decimal(18, 2)
        )                                                                       as difference,
        cast(unallocated_reasons.unallocated_reason as varchar)                 as unallocated_reason,
        cast(coalesce(cost_pools_monthly.method, 'unmapped') as varchar)        as method,
        cast(cost_pools_monthly.driver as varchar)                              as driver,
        cast(coalesce(cost_pools_monthly.cost_class, 'cost_to_serve') as varchar) as cost_class,
        cast(coalesce(allocation_totals.driver_quantity, 0) as decimal(18, 2))  as driver_quantity,
        cast(coalesce(customer_counts.customer_count, 0) as bigint)             as customer_count,
        cast(coalesce(cost_pools_monthly.gl_entry_count, 0) as bigint)          as gl_entry_count,
        -- time-driven pools: the capacity, its rate, the minutes used and left unused
        cast(case when cost_pools_monthly.method = 'time_driven'
            then cost_pools_monthly.ledger_amount / cost_pools_monthly.practical_capacity_minutes
        end as decimal(18, 6))                                                  as capacity_cost_rate,
        cast(case when cost_pools_monthly.method = 'time_driven'
            then cost_pools_monthly.practical_capacity_minutes
        end as decimal(18, 2))                                                  as practical_capacity_minutes,
        cast(case when cost_pools_monthly.method = 'time_driven'
            then coalesce(allocation_totals.used_minutes, 0)
        end as decimal(18, 2))                                                  as used_minutes,
        cast(case when cost_pools_monthly.method = 'time_driven'
            then greatest(cost_pools_monthly.practical_capacity_minutes
                          - coalesce(allocation_totals.used_minutes, 0), 0)
        end as decimal(18, 2))                                                  as unused_capacity_minutes,
        cast(case when cost_pools_monthly.method = 'time_driven'
            then case when allocation_totals.is_over_capacity then 'over_capacity'
                      else 'within_capacity' end
        end as varchar)                                                         as capacity_status,
        -- GL money the loader holds in quarantine: not in ledger_amount, never hidden
        cast(coalesce(quarantined_gl_entries.quarantined_amount, 0) as decimal(18, 2))
                                                                                as quarantined_amount,
        cast(coalesce(quarantined_gl_entries.quarantined_entry_count, 0) as bigint)
                                                                                as quarantined_entry_count,
        cast(case
            when quarantined_gl_entries.quarantined_entry_count > 0 then 'quarantined_gl_money'
            else 'balanced'
        end as varchar)                                                         as reconciliation_status,
        -- closed, or open where only quarantined postings name the month (doc block month_status)
        cast(coalesce(ledger_months.month_status, 'open') as varchar)           as month_status
    from pool_months
    left join cost_pools_monthly
        on pool_months.period_month = cost_pools_monthly.period_month
        and pool_months.cost_pool = cost_pools_monthly.cost_pool
    left join allocation_totals
        on pool_months.period_month = allocation_totals.period_month
        and pool_months.cost_pool = allocation_totals.cost_pool
    left join customer_counts
        on pool_months.period_month = customer_counts.period_month
        and pool_months.cost_pool = customer_counts.cost_pool
    left join unallocated_reasons
        on pool_months.period_month = unallocated_reasons.period_month
        and pool_months.cost_pool = unallocated_reasons.cost_pool
    left join quarantined_gl_entries
        on pool_months.period_month = quarantined_gl_entries.period_month
        and pool_months.cost_pool = quarantined_gl_entries.cost_pool
    left join ledger_months
        on pool_months.period_month = ledger_months.period_month

)

select * from final
