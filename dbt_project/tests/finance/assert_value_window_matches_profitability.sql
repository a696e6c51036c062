-- The 12-month windows sum what fct_customer_profitability holds for their months:
-- revenue over the months up to the as-of date, contribution over the contribution
-- window (the last 12 closed months, doc block month_status); is_active is exactly
-- "revenue in the window > 0".
with

value_window as (

    select * from {{ ref('fct_customer_value_window') }}

),

window_totals as (

    select
        sum(revenue_12m) as revenue_12m,
        sum(contribution_12m) as contribution_12m,
        count(*) filter (where is_active <> (revenue_12m > 0)) as wrong_active_flags,
        min(contribution_window_start_month) as contribution_start,
        max(contribution_window_end_month) as contribution_end
    from value_window

),

profitability as (

    select * from {{ ref('fct_customer_profitability') }}

),

profitability_totals as (

    select
        sum(revenue) filter (where period_month between
            cast(date_trunc('month', cast('{{ var("as_of_date") }}' as date)) - interval ({{ var('value_window_months') }} - 1) month as date)
            and cast('{{ var("as_of_date") }}' as date)) as revenue,
        sum(contribution) filter (where period_month between
            (select contribution_start from window_totals)
            and (select contribution_end from window_totals)) as contribution
    from profitability

)

select *
from window_totals
cross join profitability_totals
where coalesce(window_totals.revenue_12m, 0) <> coalesce(profitability_totals.revenue, 0)
   or coalesce(window_totals.contribution_12m, 0) <> coalesce(profitability_totals.contribution, 0)
   or window_totals.wrong_active_flags > 0
