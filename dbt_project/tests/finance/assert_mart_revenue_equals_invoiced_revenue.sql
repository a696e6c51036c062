-- Revenue and COGS in the mart equal the ERP invoice lines in EUR, month by month.
with

staged as (

    select invoice_month as period_month, sum(net_amount_eur) as revenue, sum(cost_amount_eur) as cogs
    from {{ ref('int_erp_invoice_lines_in_eur') }}
    group by invoice_month

),

mart as (

    select period_month, sum(revenue) as revenue, sum(cogs) as cogs
    from {{ ref('fct_customer_profitability') }}
    group by period_month

)

select
    coalesce(staged.period_month, mart.period_month) as period_month,
    staged.revenue as staged_revenue, mart.revenue as mart_revenue,
    staged.cogs as staged_cogs, mart.cogs as mart_cogs
from staged
full outer join mart
    on staged.period_month = mart.period_month
where staged.revenue is distinct from mart.revenue
   or staged.cogs is distinct from mart.cogs
