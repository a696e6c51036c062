{#- Time-driven ABC (Kaplan & Anderson). Capacity cost rate per standard minute =
    fte_cost_per_month / practical_minutes_per_fte (seed `cost_pools`); a source id (an
    ERP customer_no, a CRM account, a service-desk organisation) is charged rate × driver
    quantity × standard_minutes_per_unit, rounded to the cent (exact integer
    arithmetic, half away from zero). What the customers do not use is
    unused capacity: reported unallocated with reason 'unused_capacity', never pushed
    onto customers. When the charges would exceed the pool (usage above practical
    capacity) the whole pool is split by share of usage instead (largest remainder). -#}
with

cost_pools_monthly as (

    select * from {{ ref('int_cost_pools_monthly') }}
    where method = 'time_driven'
        and {{ allocation_months_filter('period_month') }}

),

source_drivers as (

    select * from {{ ref('int_source_drivers_monthly') }}

),

pool_customer_usage as (

    select
        cost_pools_monthly.period_month,
        cost_pools_monthly.cost_pool,
        cost_pools_monthly.method,
        cost_pools_monthly.cost_class,
        cost_pools_monthly.driver,
        cost_pools_monthly.ledger_amount,
        source_drivers.system,
        source_drivers.source_id,
        source_drivers.driver_quantity,
        {{ divide_round_half_up(
            "cast(round(source_drivers.driver_quantity * 100) as hugeint)"
            ~ " * cast(round(cost_pools_monthly.standard_minutes_per_unit * 10000) as hugeint)"
            ~ " * " ~ to_cents('cost_pools_monthly.fte_cost_per_month'),
            "cast(10000 as hugeint) * " ~ to_cents('cost_pools_monthly.practical_minutes_per_fte')
        ) }} as charge_cents
    from cost_pools_monthly
    inner join source_drivers
        on cost_pools_monthly.period_month = source_drivers.period_month
        and cost_pools_monthly.driver = source_drivers.driver
    where cost_pools_monthly.ledger_amount > 0
        and cost_pools_monthly.practical_minutes_per_fte > 0

),

pool_usage_totals as (

    select
        *,
        sum(charge_cents) over (partition by period_month, cost_pool) as pool_charge_cents
    from pool_customer_usage

),

charged_at_capacity_rate as (

    select
        * exclude (charge_cents, pool_charge_cents),
        {{ from_cents('charge_cents') }} as allocated_amount
    from pool_usage_totals
    where pool_charge_cents <= {{ to_cents('ledger_amount') }}

),

over_capacity as (

    select * exclude (charge_cents, pool_charge_cents)
    from pool_usage_totals
    where pool_charge_cents > {{ to_cents('ledger_amount') }}

),

charged_by_share as (

    select * from {{ allocate_largest_remainder(
        'over_capacity',
        group_by=['period_month', 'cost_pool'],
        amount='ledger_amount',
        weight='driver_quantity * 100',
        tie_break='system, source_id'
    ) }}

),

allocated as (

    select * from charged_at_capacity_rate
    union all
    select * from charged_by_share

),

pool_remainders as (

    select
        cost_pools_monthly.period_month,
        cost_pools_monthly.cost_pool,
        cost_pools_monthly.method,
        cost_pools_monthly.cost_class,
        cost_pools_monthly.driver,
        cost_pools_monthly.ledger_amount,
        cost_pools_monthly.ledger_amount - coalesce(allocated_totals.allocated_amount, 0) as unallocated_amount,
        case
            when cost_pools_monthly.ledger_amount <= 0 then 'non_positive_pool_cost'
            when coalesce(cost_pools_monthly.practical_minutes_per_fte, 0) <= 0 then 'no_practical_capacity'
            when allocated_totals.allocated_amount is null then 'no_driver_volume'
            else 'unused_capacity'
        end as unallocated_reason
    from cost_pools_monthly
    left join (
        select period_month, cost_pool, sum(allocated_amount) as allocated_amount
        from allocated
        group by period_month, cost_pool
    ) as allocated_totals
        on cost_pools_monthly.period_month = allocated_totals.period_month
        and cost_pools_monthly.cost_pool = allocated_totals.cost_pool

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
        cast(unallocated_amount as decimal(18, 2)) as unallocated_amount,
        unallocated_reason
    from pool_remainders
    where unallocated_amount <> 0

)

select * from final
