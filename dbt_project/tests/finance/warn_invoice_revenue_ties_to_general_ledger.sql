{{ config(severity='warn') }}
-- Revenue from invoice lines should tie to the revenue accounts of the general ledger
-- (credits on the accounts classed `revenue` in seed gl_accounts), in total: price
-- corrections are posted in a later month than the invoice. A warning, not an error:
-- a quarantined invoice line or GL row makes them differ, and the quarantine says why.
with

invoice_revenue as (

    select coalesce(sum(revenue), 0) as revenue
    from {{ ref('fct_customer_profitability') }}

),

ledger_revenue as (

    select coalesce(-sum(gl_entries.amount), 0) as revenue
    from {{ ref('stg_erp__gl_entries') }} as gl_entries
    inner join {{ ref('stg_config__gl_accounts') }} as gl_accounts
        on gl_entries.account_no = gl_accounts.account_no
    where gl_accounts.account_class = 'revenue'

)

select
    invoice_revenue.revenue as invoice_revenue,
    ledger_revenue.revenue as ledger_revenue,
    invoice_revenue.revenue - ledger_revenue.revenue as difference
from invoice_revenue
cross join ledger_revenue
where invoice_revenue.revenue <> ledger_revenue.revenue
