{#- Step 5 of the path of one euro: contribution per customer and month.
    revenue / cogs from int_customer_revenue_monthly (the source ids mapped to the
    conformed customer); COST-TO-SERVE and CREDIT COST are defined here, once (doc blocks
    `cost_to_serve`, `credit_cost`): the customer's allocated cost of the month
    (fct_cost_allocation, mapped already) summed by the pool's cost class in the config's
    `cost_pools.csv` (credit = bad_debt + financing; everything else allocated is cost to
    serve); gross_margin = revenue - cogs; contribution = gross_margin - cost_to_serve -
    credit_cost (macro contribution()). A build rebuilds the rows of macro
    mapped_rows_filter. -#}
-- depends_on: {{ ref('int_customer_keys_restated') }}
with

revenue_monthly as (

    select * from {{ ref('int_customer_revenue_monthly') }}
    where {{ mapped_rows_filter('period_month', 'customer_key') }}

),

cost_allocation as (

    select * from {{ ref('fct_cost_allocation') }}
    where {{ mapped_rows_filter('period_month', 'customer_key') }}

),

cost_monthly as (

    select
        customer_key,
        period_month,
        coalesce(sum(allocated_amount) filter (where cost_class = 'cost_to_serve'), 0) as cost_to_serve,
        coalesce(sum(allocated_amount) filter (where cost_class = 'credit'), 0)        as credit_cost
    from cost_allocation
    group by customer_key, period_month

),

closed_months as (

    -- a month is closed once the ledger holds its cost postings (doc block month_status)
    select distinct period_month from {{ ref('int_gl_entries_pooled') }}

),

joined as (

    select
        coalesce(revenue_monthly.customer_key, cost_monthly.customer_key)   as customer_key,
        coalesce(revenue_monthly.period_month, cost_monthly.period_month)   as period_month,
        coalesce(revenue_monthly.revenue, 0)                                as revenue,
        coalesce(revenue_monthly.cogs, 0)                                   as cogs,
        coalesce(cost_monthly.cost_to_serve, 0)                             as cost_to_serve,
        coalesce(cost_monthly.credit_cost, 0)                               as credit_cost
    from revenue_monthly
    full outer join cost_monthly
        on revenue_monthly.customer_key = cost_monthly.customer_key
        and revenue_monthly.period_month = cost_monthly.period_month

),

with_month_status as (

    select
        joined.*,
        closed_months.period_month is not null                              as is_month_closed
    from joined
    left join closed_months
        on joined.period_month = closed_months.period_month

),

final as (

    select
        cast(customer_key as varchar)                                       as customer_key,
        cast(period_month as date)                                          as period_month,
        cast(revenue as decimal(18, 2))                                     as revenue,
        cast(cogs as decimal(18, 2))                                        as cogs,
        cast(revenue - cogs as decimal(18, 2))                              as gross_margin,
        cast(cost_to_serve as decimal(18, 2))                               as cost_to_serve,
        cast(credit_cost as decimal(18, 2))                                 as credit_cost,
        {{ contribution('revenue - cogs', 'cost_to_serve', 'credit_cost') }} as contribution,
        cast(is_month_closed as boolean)                                    as is_month_closed
    from with_month_status

)

select * from final
