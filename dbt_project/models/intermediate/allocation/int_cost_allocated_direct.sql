{#- Direct pools (bad debt): a GL entry that names a customer_no is the cost of that ERP
    customer_no. Entries without one stay unallocated. -#}
with

gl_entries_pooled as (

    select * from {{ ref('int_gl_entries_pooled') }}
    where {{ allocation_months_filter('period_month') }}

),

cost_pools_monthly as (

    select * from {{ ref('int_cost_pools_monthly') }}
    where method = 'direct'
        and {{ allocation_months_filter('period_month') }}

),

direct_entries as (

    select
        gl_entries_pooled.period_month,
        gl_entries_pooled.cost_pool,
        cost_pools_monthly.method,
        cost_pools_monthly.cost_class,
        cost_pools_monthly.driver,
        gl_entries_pooled.amount,
        gl_entries_pooled.customer_no
    from gl_entries_pooled
    inner join cost_pools_monthly
        on gl_entries_pooled.period_month = cost_pools_monthly.period_month
        and gl_entries_pooled.cost_pool = cost_pools_monthly.cost_pool

),

allocated as (

    select
        period_month, cost_pool, method, cost_class, driver,
        'erp'                                   as system,
        customer_no                             as source_id,
        cast(count(*) as decimal(38, 2))        as driver_quantity,
        cast(sum(amount) as decimal(18, 2))     as allocated_amount,
        cast(0 as decimal(18, 2))               as unallocated_amount,
        cast(null as varchar)                   as unallocated_reason
    from direct_entries
    where customer_no is not null
    group by period_month, cost_pool, method, cost_class, driver, customer_no

),

unallocated as (

    select
        period_month, cost_pool, method, cost_class, driver,
        cast(null as varchar)                   as system,
        cast(null as varchar)                   as source_id,
        cast(0 as decimal(38, 2))               as driver_quantity,
        cast(0 as decimal(18, 2))               as allocated_amount,
        cast(sum(amount) as decimal(18, 2))     as unallocated_amount,
        'no_customer_on_entry'                  as unallocated_reason
    from direct_entries
    where customer_no is null
    group by period_month, cost_pool, method, cost_class, driver

),

final as (

    select * from allocated
    union all
    select * from unallocated

)

select * from final
