{{ mapped_incremental_config() }}
{#- The GL accounts behind every allocated amount, per customer: the source ids' traces
    (int_cost_allocations_traced) mapped to the conformed customer through the bridge
    and added up. Σ over accounts = fct_cost_allocation.allocated_amount for the
    customer, month and pool; pool_allocated_amount is the customer's allocation from
    the pool (Σ over its source ids, each of which has one row per account of the pool).
    The rows of macro mapped_rows_filter are rebuilt. -#}
-- depends_on: {{ ref('int_customer_keys_restated') }}
with

traced as (

    select * from {{ ref('int_cost_allocations_traced') }}

),

customer_keys as (

    select * from {{ ref('int_customer_source_keys') }}

),

keyed as (

    {{ keyed_by_customer('traced', 'customer_keys') }}

),

mapped as (

    select
        customer_key,
        period_month,
        cost_pool,
        account_no,
        cost_center,
        min(account_name)                           as account_name,
        sum(allocated_amount)                       as allocated_amount,
        sum(pool_allocated_amount)                  as pool_allocated_amount,
        min(account_ledger_amount)                  as account_ledger_amount,
        min(pool_ledger_amount)                     as pool_ledger_amount,
        min(gl_entry_count)                         as gl_entry_count
    from keyed
    where {{ mapped_rows_filter('period_month', 'customer_key') }}
    group by 1, 2, 3, 4, 5

),

final as (

    select
        cast(customer_key as varchar)                   as customer_key,
        cast(period_month as date)                      as period_month,
        cast(cost_pool as varchar)                      as cost_pool,
        cast(account_no as varchar)                     as account_no,
        cast(cost_center as varchar)                    as cost_center,
        cast(account_name as varchar)                   as account_name,
        cast(allocated_amount as decimal(18, 2))        as allocated_amount,
        cast(pool_allocated_amount as decimal(18, 2))   as pool_allocated_amount,
        cast(account_ledger_amount as decimal(18, 2))   as account_ledger_amount,
        cast(pool_ledger_amount as decimal(18, 2))      as pool_ledger_amount,
        cast(gl_entry_count as bigint)                  as gl_entry_count
    from mapped

)

select * from final
