{#- COST-TO-SERVE and CREDIT COST are defined here, once (doc blocks `cost_to_serve`,
    `credit_cost`): the cost allocated to a customer in a month, summed by the pool's
    cost class in the config's `cost_pools.csv` (credit = bad_debt + financing; everything else
    allocated is cost to serve). Unallocated cost belongs to no customer. The source
    ids' allocations are mapped to the conformed customer here, through the bridge. -#}
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

final as (

    select
        customer_key,
        period_month,
        cast(coalesce(sum(allocated_amount) filter (where cost_class = 'cost_to_serve'), 0) as decimal(18, 2))
                                                        as cost_to_serve,
        cast(coalesce(sum(allocated_amount) filter (where cost_class = 'credit'), 0) as decimal(18, 2))
                                                        as credit_cost
    from keyed
    group by customer_key, period_month

)

select * from final
