-- The 12-month window sums what fct_customer_profitability holds for its months, and
-- is_active is exactly "revenue in the window > 0".
with

window_totals as (

    select
        sum(revenue_12m) as revenue_12m,
        sum(contribution_12m) as contribution_12m,
        count(*) filter (where is_active <> (revenue_12m > 0)) as wrong_active_flags
    from {{ ref('fct_customer_value_window') }}

),

profitability_totals as (

    select sum(revenue) as revenue, sum(contribution) as contribution
    from {{ ref('fct_customer_profitability') }}
    where period_month between
        cast(date_trunc('month', cast('{{ var("as_of_date") }}' as date)) - interval ({{ var('value_window_months') }} - 1) month as date)
        and cast('{{ var("as_of_date") }}' as date)

)

select *
from window_totals
cross join profitability_totals
where coalesce(window_totals.revenue_12m, 0) <> coalesce(profitability_totals.revenue, 0)
   or coalesce(window_totals.contribution_12m, 0) <> coalesce(profitability_totals.contribution, 0)
   or window_totals.wrong_active_flags > 0
