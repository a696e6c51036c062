{#- COST-TO-SERVE and CREDIT COST are defined here, once (doc blocks `cost_to_serve`,
    `credit_cost`): the cost allocated to a customer in a month, summed by the pool's
    cost class in seed `cost_pools` (credit = bad_debt + financing; everything else
    allocated is cost to serve). Unallocated cost belongs to no customer. -#}
with

cost_allocations as (

    select * from {{ ref('int_cost_allocations') }}
    where customer_key is not null

),

final as (

    select
        customer_key,
        period_month,
        cast(coalesce(sum(allocated_amount) filter (where cost_class = 'cost_to_serve'), 0) as decimal(18, 2))
            as cost_to_serve,
        cast(coalesce(sum(allocated_amount) filter (where cost_class = 'credit'), 0) as decimal(18, 2))
            as credit_cost
    from cost_allocations
    group by customer_key, period_month

)

select * from final
