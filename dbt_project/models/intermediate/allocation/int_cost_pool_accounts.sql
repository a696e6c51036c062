{#- The GL accounts that fed each cost pool in a month: one row per period_month,
    cost_pool, account_no and cost_center with the account's ledger amount, the pool's,
    the number of entries, the weight a trace gives it (its positive ledger cents; a
    pool without any positive account, only reversals, is traced to its first account)
    and how many accounts fed the pool. -#}
with

gl_entries_pooled as (

    select * from {{ ref('int_gl_entries_pooled') }}

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

final as (

    select
        *,
        sum(account_ledger_amount) over (partition by period_month, cost_pool) as pool_ledger_amount,
        case
            when max(account_ledger_amount) over (partition by period_month, cost_pool) > 0
                then greatest({{ to_cents('account_ledger_amount') }}, 0)
            when row_number() over (partition by period_month, cost_pool order by account_no, cost_center) = 1
                then 1
            else 0
        end                                     as trace_weight,
        count(*) over (partition by period_month, cost_pool) as pool_account_count
    from pool_accounts

)

select * from final
