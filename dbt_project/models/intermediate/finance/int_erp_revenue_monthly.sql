{#- REVENUE is summed here, once (doc block `revenue`): the net amount in EUR of ERP
    invoice lines by invoice month, credit notes netted (they are negative lines).
    COGS likewise from `cost_amount`. One row per ERP customer_no × period_month, no
    customer mapping: int_customer_revenue_monthly maps customer_no to customer_key.
    Incremental by whole months (a month only depends on its own invoice lines). -#}
with

invoice_lines as (

    select * from {{ ref('int_erp_invoice_lines_in_eur') }}
    -- the date, not invoice_month: a filter on a column of the raw table skips its rows
    -- by their min/max (the first of a month: a date from it on is in a month from it on)
    where {{ rebuild_months_filter('invoice_date') }}

),

final as (

    select
        customer_no,
        invoice_month                                   as period_month,
        cast(sum(net_amount_eur) as decimal(18, 2))     as revenue,
        cast(sum(cost_amount_eur) as decimal(18, 2))    as cogs,
        count(*)                                        as invoice_line_count,
        min(invoice_date)                               as first_invoice_date,
        max(invoice_date)                               as last_invoice_date
    from invoice_lines
    group by customer_no, invoice_month

)

select * from final
