{#- Time-driven ABC (Kaplan & Anderson) with time equations. A source id (an ERP
    customer_no, a CRM account, a service-desk organisation) uses Σ over the pool's
    activities of minutes_per_unit × its driver quantity (int_pool_activity_usage). The
    capacity cost rate is the pool's ledger amount of the month / its practical
    capacity in minutes (source config.cost_pools), and a source id is charged
    rate × its minutes, rounded to the cent (exact integer arithmetic, half away from
    zero). What the customers do not use is unused capacity: unallocated with reason
    'unused_capacity', never pushed onto customers. A month whose minutes exceed the
    capacity (its charges would exceed the pool) is split by share of minutes instead
    (largest remainder) and flagged is_over_capacity. -#}
with

cost_pools_monthly as (

    select * from {{ ref('int_cost_pools_monthly') }}
    where method = 'time_driven'
        and {{ allocation_months_filter('period_month') }}

),

source_usage as (

    {{ pool_usage_by_source(ref('int_pool_activity_usage'), 'used_minutes') }}

),

pool_customer_usage as (

    select
        cost_pools_monthly.period_month,
        cost_pools_monthly.cost_pool,
        cost_pools_monthly.method,
        cost_pools_monthly.cost_class,
        cost_pools_monthly.driver,
        cost_pools_monthly.ledger_amount,
        source_usage.system,
        source_usage.source_id,
        -- one activity: its driver's quantity; several: the minutes of the time equation
        case when cost_pools_monthly.activity_count = 1 then source_usage.driver_quantity
            else source_usage.used_minutes end      as driver_quantity,
        source_usage.used_minutes,
        cast(round(source_usage.used_minutes * 1000000) as hugeint) as used_micro_minutes,
        cast(round(cost_pools_monthly.practical_capacity_minutes * 1000000) as hugeint)
                                                    as capacity_micro_minutes
    from cost_pools_monthly
    inner join source_usage
        on cost_pools_monthly.period_month = source_usage.period_month
        and cost_pools_monthly.cost_pool = source_usage.cost_pool
    where cost_pools_monthly.ledger_amount > 0
        and cost_pools_monthly.practical_capacity_minutes > 0

),

charged as (

    -- rate × minutes = ledger × minutes / capacity, in integer cents
    select
        *,
        {{ divide_round_half_up(
            "used_micro_minutes * " ~ to_cents('ledger_amount'),
            "capacity_micro_minutes"
        ) }}                                        as charge_cents
    from pool_customer_usage

),

pool_usage_totals as (

    select
        *,
        sum(charge_cents) over (partition by period_month, cost_pool)       as pool_charge_cents,
        sum(used_micro_minutes) over (partition by period_month, cost_pool) as pool_micro_minutes
    from charged

),

charged_at_capacity_rate as (

    select
        * exclude (charge_cents, pool_charge_cents, used_micro_minutes, capacity_micro_minutes,
                   pool_micro_minutes),
        {{ from_cents('charge_cents') }}            as allocated_amount,
        false                                       as is_over_capacity
    from pool_usage_totals
    where pool_charge_cents <= {{ to_cents('ledger_amount') }}
        and pool_micro_minutes <= capacity_micro_minutes

),

over_capacity as (

    select * exclude (charge_cents, pool_charge_cents, capacity_micro_minutes,
                      pool_micro_minutes)
    from pool_usage_totals
    where pool_charge_cents > {{ to_cents('ledger_amount') }}
        or pool_micro_minutes > capacity_micro_minutes

),

charged_by_share as (

    select
        * exclude (used_micro_minutes),
        true                                        as is_over_capacity
    from {{ allocate_largest_remainder(
        'over_capacity',
        group_by=['period_month', 'cost_pool'],
        amount='ledger_amount',
        weight='used_micro_minutes',
        tie_break='system, source_id'
    ) }}

),

allocated as (

    select * from charged_at_capacity_rate
    union all by name
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
            when coalesce(cost_pools_monthly.practical_capacity_minutes, 0) <= 0 then 'no_practical_capacity'
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
        used_minutes,
        is_over_capacity,
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
        cast(null as decimal(38, 6)) as used_minutes,
        false                       as is_over_capacity,
        cast(0 as decimal(18, 2))   as allocated_amount,
        cast(unallocated_amount as decimal(18, 2)) as unallocated_amount,
        unallocated_reason
    from pool_remainders
    where unallocated_amount <> 0

)

select * from final
