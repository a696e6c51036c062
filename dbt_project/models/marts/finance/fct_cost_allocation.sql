{{ monthly_incremental_config() }}
{#- Cost allocated to each customer per month and cost pool, with the driver and the
    customer's driver quantity. Unallocated cost is in reconciliation_ledger. -#}
with

cost_allocations as (

    select * from {{ ref('int_cost_allocations') }}
    where customer_key is not null

),

final as (

    select
        cast(customer_key as varchar)                       as customer_key,
        cast(period_month as date)                          as period_month,
        cast(cost_pool as varchar)                          as cost_pool,
        cast(driver as varchar)                             as driver,
        cast(driver_quantity as decimal(18, 2))             as driver_quantity,
        cast(allocated_amount as decimal(18, 2))            as allocated_amount,
        cast(method as varchar)                             as method,
        cast(cost_class as varchar)                         as cost_class
    from cost_allocations
    where {{ rebuild_months_filter('period_month') }}

)

select * from final
