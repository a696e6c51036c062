{#- Step 4 of the path of one euro: every euro of every cost pool and month, either
    allocated to a source id (system, source_id: an ERP customer_no, a CRM account, a
    service-desk organisation; source_id NULL for activities without an account and
    tickets without an organisation) or unallocated with its reason (system NULL).
    Sustaining pools (marketing, general overhead) are unallocated by policy, pool
    `unmapped` because nobody knows where it belongs. For every pool and month:
    Σ allocated_amount + Σ unallocated_amount = ledger amount, exactly.
    At the source's grain, before any customer mapping (doc block `source_grain`), so a
    re-link never changes it; incremental by whole months. -#}
with

cost_pools_monthly as (

    select * from {{ ref('int_cost_pools_monthly') }}
    where {{ rebuild_months_filter('period_month') }}

),

allocated_driver_share as (

    select * from {{ ref('int_cost_allocated_driver_share') }}

),

allocated_time_driven as (

    select * from {{ ref('int_cost_allocated_time_driven') }}

),

allocated_direct as (

    select * from {{ ref('int_cost_allocated_direct') }}

),

not_allocated_by_policy as (

    select
        period_month, cost_pool, method, cost_class, driver,
        cast(null as varchar)       as system,
        cast(null as varchar)       as source_id,
        cast(0 as decimal(38, 2))   as driver_quantity,
        cast(0 as decimal(18, 2))   as allocated_amount,
        ledger_amount               as unallocated_amount,
        case method
            when 'sustaining' then 'sustaining_by_policy'
            when 'unmapped' then 'unmapped_account'
            else 'unknown_method'
        end                         as unallocated_reason
    from cost_pools_monthly
    where method not in ('driver_share', 'time_driven', 'direct')

),

unioned as (

    select * from allocated_driver_share
    union all by name
    select * from allocated_time_driven
    union all by name
    select * from allocated_direct
    union all by name
    select * from not_allocated_by_policy

),

final as (

    select
        cast(period_month as date)                  as period_month,
        cast(cost_pool as varchar)                  as cost_pool,
        cast(method as varchar)                     as method,
        cast(cost_class as varchar)                 as cost_class,
        cast(driver as varchar)                     as driver,
        cast(system as varchar)                     as system,
        cast(source_id as varchar)                  as source_id,
        cast(driver_quantity as decimal(38, 2))     as driver_quantity,
        -- time-driven pools: the minutes of the time equation, and whether the month
        -- was over capacity (split by share of minutes instead of charged at the rate)
        cast(used_minutes as decimal(38, 6))        as used_minutes,
        cast(coalesce(is_over_capacity, false) as boolean) as is_over_capacity,
        cast(allocated_amount as decimal(18, 2))    as allocated_amount,
        cast(unallocated_amount as decimal(18, 2))  as unallocated_amount,
        cast(unallocated_reason as varchar)         as unallocated_reason
    from unioned
    where {{ rebuild_months_filter('period_month') }}

)

select * from final
