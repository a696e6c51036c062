{#- The ledger amount of every cost pool and month, with the pool's method, cost class,
    practical capacity (time-driven pools) and driver label from the run's cost model
    (source config): the driver of a pool with one activity, `time_equation` for a
    time-driven pool with several, `weighted_drivers` for a driver_share pool with
    several, `customer_no` for a direct pool. -#}
with

gl_entries_pooled as (

    select * from {{ ref('int_gl_entries_pooled') }}

),

cost_pools as (

    select * from {{ ref('stg_config__cost_pools') }}

),

pool_activities as (

    select * from {{ ref('stg_config__pool_activities') }}

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

pool_drivers as (

    select
        cost_pool,
        count(*)                                            as activity_count,
        min(driver)                                         as only_driver
    from pool_activities
    group by cost_pool

),

final as (

    select
        pool_months.period_month,
        pool_months.cost_pool,
        pool_months.ledger_amount,
        pool_months.gl_entry_count,
        pool_months.amount_with_customer,
        case
            when cost_pools.method = 'direct' then 'customer_no'
            when pool_drivers.activity_count = 1 then pool_drivers.only_driver
            when cost_pools.method = 'time_driven' then 'time_equation'
            when cost_pools.method = 'driver_share' then 'weighted_drivers'
        end                                                 as driver,
        coalesce(pool_drivers.activity_count, 0)            as activity_count,
        coalesce(cost_pools.method, 'unmapped')             as method,
        coalesce(cost_pools.cost_class, 'cost_to_serve')    as cost_class,
        cost_pools.practical_capacity_minutes
    from pool_months
    left join cost_pools
        on pool_months.cost_pool = cost_pools.cost_pool
    left join pool_drivers
        on pool_months.cost_pool = pool_drivers.cost_pool

)

select * from final
