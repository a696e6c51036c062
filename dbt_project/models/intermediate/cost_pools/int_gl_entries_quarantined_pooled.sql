{#- The GL postings held in quarantine, pooled by the same rule as the loaded ones
    (macro pooled_gl_cost_entries), per pool and month: the money reconciliation_ledger
    shows as quarantined. Postings whose date cannot be read have no month here; they
    are in mart.quarantined_gl_entries, and the reconciliation gate counts them. -#}
with

quarantined_gl_entries as (

    select * from {{ ref('stg_meta__quarantined_gl_entries') }}

),

pooled as (

    {{ pooled_gl_cost_entries('quarantined_gl_entries') }}

),

pool_months as (

    select
        posting_month                                   as period_month,
        cost_pool,
        cast(coalesce(sum(amount), 0) as decimal(18, 2)) as quarantined_amount,
        count(*)                                        as quarantined_entry_count,
        count(*) filter (where amount is null)          as unreadable_amount_count
    from pooled
    where posting_month is not null
    group by posting_month, cost_pool

),

final as (

    select * from pool_months

)

select * from final
