{{ config(materialized='table') }}
{#- Step 4 of the path of one euro: every euro of every cost pool and month, either
    allocated to a customer (customer_key set) or unallocated with its reason
    (customer_key NULL). Sustaining pools (marketing, general overhead) are unallocated
    by policy, pool `unmapped` because nobody knows where it belongs. For every pool and
    month: Σ allocated_amount + Σ unallocated_amount = ledger amount, exactly. -#}
with

cost_pools_monthly as (

    select * from {{ ref('int_cost_pools_monthly') }}

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
        cast(null as varchar)       as customer_key,
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

final as (

    select * from allocated_driver_share
    union all
    select * from allocated_time_driven
    union all
    select * from allocated_direct
    union all
    select * from not_allocated_by_policy

)

select * from final
