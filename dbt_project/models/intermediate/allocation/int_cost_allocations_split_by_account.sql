{#- A source id's allocation from a pool that more than one GL account fed in the month,
    split over those (account_no, cost_center) pairs in proportion to their ledger
    amounts, exact to the cent (largest remainder). Σ over the accounts =
    int_cost_allocations.allocated_amount for the source id, month and pool. A pool fed
    by one account needs no split (fct_allocation_trace traces the whole allocation to
    it). At the source's grain, incremental by whole months. -#}
with

pool_accounts as (

    select * from {{ ref('int_cost_pool_accounts') }}
    where pool_account_count > 1
        and {{ rebuild_months_filter('period_month') }}

),

cost_allocations as (

    select * from {{ ref('int_cost_allocations') }}
    where system is not null
        and {{ rebuild_months_filter('period_month') }}

),

source_pool_accounts as (

    select
        cost_allocations.system,
        cost_allocations.source_id,
        cost_allocations.period_month,
        cost_allocations.cost_pool,
        cost_allocations.allocated_amount       as pool_allocated_amount,
        pool_accounts.account_no,
        pool_accounts.cost_center,
        pool_accounts.account_name,
        pool_accounts.account_ledger_amount,
        pool_accounts.pool_ledger_amount,
        pool_accounts.gl_entry_count,
        pool_accounts.trace_weight
    from cost_allocations
    inner join pool_accounts
        on cost_allocations.period_month = pool_accounts.period_month
        and cost_allocations.cost_pool = pool_accounts.cost_pool

),

split as (

    select * from {{ allocate_largest_remainder(
        'source_pool_accounts',
        group_by=['system', 'source_id', 'period_month', 'cost_pool'],
        amount='pool_allocated_amount',
        weight='trace_weight',
        tie_break='account_no, cost_center'
    ) }}

),

final as (

    select
        cast(system as varchar)                         as system,
        cast(source_id as varchar)                      as source_id,
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
    from split

)

select * from final
