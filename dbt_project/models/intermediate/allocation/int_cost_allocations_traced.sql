{{ monthly_incremental_config() }}
{#- The GL accounts behind every allocated amount: a source id's allocation from a pool
    in a month is traced back to the (account_no, cost_center) pairs that fed the pool,
    in proportion to their ledger amounts, exact to the cent (largest remainder). Σ over
    accounts = int_cost_allocations.allocated_amount for the source id, month and pool.
    At the source's grain, incremental by whole months; fct_allocation_trace maps it to
    the conformed customer. -#}
with

gl_entries_pooled as (

    select * from {{ ref('int_gl_entries_pooled') }}
    where {{ rebuild_months_filter('period_month') }}

),

cost_allocations as (

    select * from {{ ref('int_cost_allocations') }}
    where system is not null
        and {{ rebuild_months_filter('period_month') }}

),

pool_accounts as (

    select
        period_month,
        cost_pool,
        account_no,
        cost_center,
        min(account_name)                       as account_name,
        cast(sum(amount) as decimal(18, 2))     as account_ledger_amount,
        count(*)                                as gl_entry_count
    from gl_entries_pooled
    group by period_month, cost_pool, account_no, cost_center

),

pool_accounts_weighted as (

    select
        *,
        sum(account_ledger_amount) over (partition by period_month, cost_pool) as pool_ledger_amount,
        -- weight = the account's positive ledger cents; a pool without any positive
        -- account (only reversals) is traced to its first account
        case
            when max(account_ledger_amount) over (partition by period_month, cost_pool) > 0
                then greatest({{ to_cents('account_ledger_amount') }}, 0)
            when row_number() over (partition by period_month, cost_pool order by account_no, cost_center) = 1
                then 1
            else 0
        end                                     as trace_weight,
        count(*) over (partition by period_month, cost_pool) as pool_account_count
    from pool_accounts

),

customer_pool_accounts as (

    select
        cost_allocations.system,
        cost_allocations.source_id,
        cost_allocations.period_month,
        cost_allocations.cost_pool,
        cost_allocations.allocated_amount       as pool_allocated_amount,
        pool_accounts_weighted.account_no,
        pool_accounts_weighted.cost_center,
        pool_accounts_weighted.account_name,
        pool_accounts_weighted.account_ledger_amount,
        pool_accounts_weighted.pool_ledger_amount,
        pool_accounts_weighted.gl_entry_count,
        pool_accounts_weighted.trace_weight,
        pool_accounts_weighted.pool_account_count
    from cost_allocations
    inner join pool_accounts_weighted
        on cost_allocations.period_month = pool_accounts_weighted.period_month
        and cost_allocations.cost_pool = pool_accounts_weighted.cost_pool

),

single_account_traced as (

    -- a pool fed by one account in the month traces all of a customer's allocation to
    -- it (its weight is positive: the largest remainder would give it every cent);
    -- most rows, spared the windows below
    select
        *,
        pool_allocated_amount                   as allocated_amount
    from customer_pool_accounts
    where pool_account_count = 1

),

multi_account_pools as (

    select * from customer_pool_accounts
    where pool_account_count > 1

),

multi_account_traced as (

    select * from {{ allocate_largest_remainder(
        'multi_account_pools',
        group_by=['system', 'source_id', 'period_month', 'cost_pool'],
        amount='pool_allocated_amount',
        weight='trace_weight',
        tie_break='account_no, cost_center'
    ) }}

),

traced as (

    select * from single_account_traced
    union all by name
    select * from multi_account_traced

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
    from traced

)

select * from final
