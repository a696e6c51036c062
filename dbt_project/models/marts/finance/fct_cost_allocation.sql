{#- Cost allocated to each customer per month and cost pool, with the driver and the
    customer's driver quantity: the source ids' allocations (int_cost_allocations)
    mapped to the conformed customer through the bridge and added up. A build rebuilds
    the months the facts rebuilt and every month of the customers it restated (macro
    mapped_rows_filter), so a re-link moves a source id's history at once. Unallocated
    cost is in reconciliation_ledger. -#}
-- depends_on: {{ ref('int_customer_keys_restated') }}
with

cost_allocations as (

    select * from {{ ref('int_cost_allocations') }}
    where system is not null

),

customer_keys as (

    select * from {{ ref('int_customer_source_keys') }}

),

keyed as (

    {{ keyed_by_customer('cost_allocations', 'customer_keys') }}

),

mapped as (

    select
        customer_key,
        period_month,
        cost_pool,
        driver,
        method,
        cost_class,
        sum(driver_quantity)                            as driver_quantity,
        sum(used_minutes)                               as used_minutes,
        sum(allocated_amount)                           as allocated_amount
    from keyed
    where {{ mapped_rows_filter('period_month', 'customer_key') }}
    group by all

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
        cast(cost_class as varchar)                         as cost_class,
        cast(used_minutes as decimal(18, 2))                as used_minutes
    from mapped

)

select * from final
