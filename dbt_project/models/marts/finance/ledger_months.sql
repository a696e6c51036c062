{#- Every month from the first with revenue or GL cost up to the as-of month, and whether
    its costs are posted (doc block `month_status`):
      closed         the ledger holds cost postings of the month
      open           none yet, and no later month has any: the month is still running
                     or its close is not posted; its cost-to-serve is not known yet
      missing_costs  none, while a later month has them: an error to report, not a zero
      no_ledger      the ledger holds no cost postings at all (a revenue-only company):
                     cost-to-serve is zero because there is nothing to allocate
    Small; rebuilt whole every build. -#}
with

revenue_monthly as (

    select * from {{ ref('int_erp_revenue_monthly') }}

),

gl_entries_pooled as (

    select * from {{ ref('int_gl_entries_pooled') }}

),

revenue_months as (

    select period_month, sum(revenue) as revenue
    from revenue_monthly
    where period_month <= {{ as_of_date() }}
    group by period_month

),

cost_months as (

    select period_month, sum(amount) as ledger_cost, count(*) as gl_cost_entry_count
    from gl_entries_pooled
    where period_month <= {{ as_of_date() }}
    group by period_month

),

bounds as (

    select
        least(
            (select min(period_month) from revenue_months),
            (select min(period_month) from cost_months)
        )                                                   as first_month,
        cast(date_trunc('month', {{ as_of_date() }}) as date) as as_of_month,
        (select max(period_month) from cost_months)         as last_closed_month

),

months as (

    select cast(month as date) as period_month
    from bounds,
        generate_series(bounds.first_month, bounds.as_of_month, interval 1 month) as series(month)
    where bounds.first_month is not null

),

final as (

    select
        months.period_month,
        cast(case
            when bounds.last_closed_month is null then 'no_ledger'
            when cost_months.gl_cost_entry_count > 0 then 'closed'
            when months.period_month < bounds.last_closed_month then 'missing_costs'
            else 'open'
        end as varchar)                                                     as month_status,
        cast(coalesce(revenue_months.revenue, 0) as decimal(18, 2))         as revenue,
        cast(coalesce(cost_months.ledger_cost, 0) as decimal(18, 2))        as ledger_cost,
        cast(coalesce(cost_months.gl_cost_entry_count, 0) as bigint)        as gl_cost_entry_count
    from months
    cross join bounds
    left join revenue_months
        on months.period_month = revenue_months.period_month
    left join cost_months
        on months.period_month = cost_months.period_month

)

select * from final
