{#- Classic ABC: a driver_share pool's month is split over the source ids (an ERP
    customer_no, a CRM account, a service-desk organisation) by their share of the
    month's driver quantity (with several activities: of Σ quantity × minutes_per_unit,
    int_pool_activity_usage), exact to the cent (largest remainder, tie-break by system
    and source_id). A pool-month without any driver volume stays unallocated. -#}
with

cost_pools_monthly as (

    select * from {{ ref('int_cost_pools_monthly') }}
    where method = 'driver_share'
        and {{ allocation_months_filter('period_month') }}

),

source_usage as (

    {{ pool_usage_by_source(ref('int_pool_activity_usage'), 'weighted_quantity') }}

),

pool_customer_drivers as (

    select
        cost_pools_monthly.period_month,
        cost_pools_monthly.cost_pool,
        cost_pools_monthly.method,
        cost_pools_monthly.cost_class,
        cost_pools_monthly.driver,
        cost_pools_monthly.ledger_amount,
        source_usage.system,
        source_usage.source_id,
        -- one activity: its driver's quantity; several: the weighted sum
        case when cost_pools_monthly.activity_count = 1 then source_usage.driver_quantity
            else source_usage.weighted_quantity end as driver_quantity,
        source_usage.weighted_quantity
    from cost_pools_monthly
    inner join source_usage
        on cost_pools_monthly.period_month = source_usage.period_month
        and cost_pools_monthly.cost_pool = source_usage.cost_pool

),

allocated as (

    select * exclude (weighted_quantity) from {{ allocate_largest_remainder(
        'pool_customer_drivers',
        group_by=['period_month', 'cost_pool'],
        amount='ledger_amount',
        weight='round(weighted_quantity * 1000000)',
        tie_break='system, source_id'
    ) }}

),

pools_without_volume as (

    select cost_pools_monthly.*
    from cost_pools_monthly
    where not exists (
        select 1 from allocated
        where allocated.period_month = cost_pools_monthly.period_month
            and allocated.cost_pool = cost_pools_monthly.cost_pool
    )

),

final as (

    select
        period_month, cost_pool, method, cost_class, driver, system, source_id,
        driver_quantity,
        allocated_amount,
        cast(0 as decimal(18, 2))   as unallocated_amount,
        cast(null as varchar)       as unallocated_reason
    from allocated
    union all
    select
        period_month, cost_pool, method, cost_class, driver,
        cast(null as varchar)       as system,
        cast(null as varchar)       as source_id,
        cast(0 as decimal(38, 2))   as driver_quantity,
        cast(0 as decimal(18, 2))   as allocated_amount,
        ledger_amount               as unallocated_amount,
        'no_driver_volume'          as unallocated_reason
    from pools_without_volume

)

select * from final
