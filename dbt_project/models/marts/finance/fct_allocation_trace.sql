{#- The GL accounts behind every allocated amount, per customer. A pool that one account
    fed in the month traces the customer's whole allocation (fct_cost_allocation) to it;
    a pool fed by several accounts adds up the source ids' splits
    (int_cost_allocations_split_by_account) mapped to the conformed customer through the
    bridge. Σ over accounts = fct_cost_allocation.allocated_amount for the customer,
    month and pool; pool_allocated_amount is the customer's allocation from the pool.
    The rows of macro mapped_rows_filter are rebuilt. -#}
-- depends_on: {{ ref('int_customer_keys_restated') }}
with

cost_allocation as (

    select * from {{ ref('fct_cost_allocation') }}
    where {{ mapped_rows_filter('period_month', 'customer_key') }}

),

pool_accounts as (

    select * from {{ ref('int_cost_pool_accounts') }}

),

split_by_account as (

    select * from {{ ref('int_cost_allocations_split_by_account') }}

),

customer_keys as (

    select * from {{ ref('int_customer_source_keys') }}

),

single_account_traced as (

    select
        cost_allocation.customer_key,
        cost_allocation.period_month,
        cost_allocation.cost_pool,
        pool_accounts.account_no,
        pool_accounts.cost_center,
        pool_accounts.account_name,
        cost_allocation.allocated_amount,
        cost_allocation.allocated_amount            as pool_allocated_amount,
        pool_accounts.account_ledger_amount,
        pool_accounts.pool_ledger_amount,
        pool_accounts.gl_entry_count
    from cost_allocation
    inner join pool_accounts
        on cost_allocation.period_month = pool_accounts.period_month
        and cost_allocation.cost_pool = pool_accounts.cost_pool
    where pool_accounts.pool_account_count = 1

),

keyed_splits as (

    {{ keyed_by_customer('split_by_account', 'customer_keys') }}

),

multi_account_traced as (

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
    from keyed_splits
    where {{ mapped_rows_filter('period_month', 'customer_key') }}
    group by 1, 2, 3, 4, 5

),

traced as (

    select * from single_account_traced
    union all
    select * from multi_account_traced

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
    from traced

)

select * from final
