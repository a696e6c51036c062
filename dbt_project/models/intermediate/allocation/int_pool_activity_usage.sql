{#- The time equations: every activity of every driver_share and time_driven pool (source
    config.pool_activities) per source id and month, with the driver quantity the source
    id caused and activity_minutes = driver_quantity × minutes_per_unit. For a
    time-driven pool these are the minutes charged at the capacity cost rate; for a
    driver_share pool minutes_per_unit weighs its drivers (1 for a pool with one driver).
    Only the months int_cost_allocations rebuilds (macro allocation_months_filter). -#}
with

pool_activities as (

    select * from {{ ref('stg_config__pool_activities') }}

),

source_drivers as (

    select * from {{ ref('int_source_drivers_monthly') }}

),

final as (

    select
        source_drivers.period_month,
        pool_activities.cost_pool,
        pool_activities.activity,
        pool_activities.driver,
        source_drivers.system,
        source_drivers.source_id,
        source_drivers.driver_quantity,
        pool_activities.minutes_per_unit,
        cast(source_drivers.driver_quantity * pool_activities.minutes_per_unit as decimal(38, 6))
                                                    as activity_minutes
    from pool_activities
    inner join source_drivers
        on pool_activities.driver = source_drivers.driver

)

select * from final
