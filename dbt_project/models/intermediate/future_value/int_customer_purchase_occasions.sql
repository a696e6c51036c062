{#- Purchase occasions up to the as-of date (doc block purchase_occasion): one row per
    customer and day invoiced a positive net amount in EUR. A day only depends on its own
    invoice lines, so the table is incremental by whole months, like the revenue it
    comes from: a night rewrites the months it rebuilds and the value step reads the rest
    as stored. -#}
with

invoice_lines as (

    select * from {{ ref('int_erp_invoice_lines_in_eur') }}
    -- the date, not invoice_month: a filter on a column of the raw table skips its rows
    -- by their min/max (the first of a month: a date from it on is in a month from it on)
    where {{ rebuild_months_filter('invoice_date') }}

),

invoice_days as (

    select
        {{ erp_customer_key('customer_no') }}              as customer_key,
        invoice_date                                        as occasion_date,
        sum(net_amount_eur)                                 as amount
    from invoice_lines
    where invoice_date <= cast('{{ var("as_of_date") }}' as date)
    group by 1, 2

),

final as (

    select
        customer_key,
        occasion_date,
        cast(amount as decimal(18, 2))                      as amount
    from invoice_days
    where amount > 0

)

select * from final
