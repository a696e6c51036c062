{#- Direct pools (bad debt): a GL entry that names a customer_no is that customer's
    cost. Entries without one, or naming a number no customer has, stay unallocated. -#}
with

gl_entries_pooled as (

    select * from {{ ref('int_gl_entries_pooled') }}

),

cost_pools_monthly as (

    select * from {{ ref('int_cost_pools_monthly') }}
    where method = 'direct'

),

customer_keys as (

    select * from {{ ref('int_customer_source_keys') }}
    where system = 'erp'

),

direct_entries as (

    select
        gl_entries_pooled.period_month,
        gl_entries_pooled.cost_pool,
        cost_pools_monthly.method,
        cost_pools_monthly.cost_class,
        cost_pools_monthly.driver,
        gl_entries_pooled.amount,
        gl_entries_pooled.customer_no,
        customer_keys.customer_key
    from gl_entries_pooled
    inner join cost_pools_monthly
        on gl_entries_pooled.period_month = cost_pools_monthly.period_month
        and gl_entries_pooled.cost_pool = cost_pools_monthly.cost_pool
    left join customer_keys
        on gl_entries_pooled.customer_no = customer_keys.source_id

),

allocated as (

    select
        period_month, cost_pool, method, cost_class, driver, customer_key,
        cast(count(*) as decimal(38, 2))        as driver_quantity,
        cast(sum(amount) as decimal(18, 2))     as allocated_amount,
        cast(0 as decimal(18, 2))               as unallocated_amount,
        cast(null as varchar)                   as unallocated_reason
    from direct_entries
    where customer_key is not null
    group by period_month, cost_pool, method, cost_class, driver, customer_key

),

unallocated as (

    select
        period_month, cost_pool, method, cost_class, driver,
        cast(null as varchar)                   as customer_key,
        cast(0 as decimal(38, 2))               as driver_quantity,
        cast(0 as decimal(18, 2))               as allocated_amount,
        cast(sum(amount) as decimal(18, 2))     as unallocated_amount,
        case when customer_no is null then 'no_customer_on_entry' else 'unknown_customer' end
                                                as unallocated_reason
    from direct_entries
    where customer_key is null
    group by all

),

final as (

    select * from allocated
    union all
    select * from unallocated

)

select * from final
