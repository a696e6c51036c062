{#- The ledger amount of every cost pool and month, with the pool's driver, method,
    cost class and (time-driven pools) capacity parameters from seed `cost_pools`. -#}
with

gl_entries_pooled as (

    select * from {{ ref('int_gl_entries_pooled') }}

),

cost_pools as (

    select * from {{ ref('cost_pools') }}

),

pool_months as (

    select
        period_month,
        cost_pool,
        cast(sum(amount) as decimal(18, 2))                 as ledger_amount,
        count(*)                                            as gl_entry_count,
        cast(sum(case when customer_no is not null then amount else 0 end) as decimal(18, 2))
                                                            as amount_with_customer
    from gl_entries_pooled
    group by period_month, cost_pool

),

final as (

    select
        pool_months.period_month,
        pool_months.cost_pool,
        pool_months.ledger_amount,
        pool_months.gl_entry_count,
        pool_months.amount_with_customer,
        cost_pools.driver,
        coalesce(cost_pools.method, 'unmapped')             as method,
        coalesce(cost_pools.cost_class, 'cost_to_serve')    as cost_class,
        cost_pools.fte_cost_per_month,
        cost_pools.practical_minutes_per_fte,
        coalesce(cost_pools.standard_minutes_per_unit, 1)   as standard_minutes_per_unit
    from pool_months
    left join cost_pools
        on pool_months.cost_pool = cost_pools.cost_pool

)

select * from final
