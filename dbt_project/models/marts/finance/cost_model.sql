{#- The cost model the mart was built with, for finance and BI to read beside the
    allocation: every pool with its method, cost class and practical capacity, and each
    of its activities with driver and minutes per unit (one row per pool without
    activities: direct and sustaining pools). -#}
with

cost_pools as (

    select * from {{ ref('stg_config__cost_pools') }}

),

pool_activities as (

    select * from {{ ref('stg_config__pool_activities') }}

),

final as (

    select
        cast(cost_pools.cost_pool as varchar)                       as cost_pool,
        cast(cost_pools.method as varchar)                          as method,
        cast(cost_pools.cost_class as varchar)                      as cost_class,
        cast(cost_pools.practical_capacity_minutes as decimal(18, 2)) as practical_capacity_minutes,
        cast(pool_activities.activity as varchar)                   as activity,
        cast(pool_activities.driver as varchar)                     as driver,
        cast(pool_activities.minutes_per_unit as decimal(18, 4))    as minutes_per_unit,
        cast(cost_pools.description as varchar)                     as description
    from cost_pools
    left join pool_activities
        on cost_pools.cost_pool = pool_activities.cost_pool

)

select * from final
