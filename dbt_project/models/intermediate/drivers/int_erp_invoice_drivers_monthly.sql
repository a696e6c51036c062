{#- The invoice-line drivers per ERP customer_no × invoice month (no customer mapping).
    orders / deliveries: distinct order_no / delivery_no of the month's invoice lines,
    credit notes left out (a return is not a new order); invoice_lines: every line,
    credit notes included; credit_notes: distinct credit-note invoice_no. The month is the invoice month (the extract has no order date).
    Incremental by whole months (a month only depends on its own invoice lines). -#}
with

invoice_lines as not materialized (

    -- read three times, each for the few columns it needs (not copied into a CTE result)
    select * from {{ ref('stg_erp__invoice_lines') }}
    -- the date, not invoice_month: a filter on a column of the raw table skips its rows
    -- by their min/max (the first of a month: a date from it on is in a month from it on)
    where {{ rebuild_months_filter('invoice_date') }}

),

line_counts as (

    select customer_no, invoice_month, count(*) as invoice_lines
    from invoice_lines
    group by customer_no, invoice_month

),

-- the distinct documents first, then counted: two distinct aggregates in one group by
-- make DuckDB copy every line into a CTE result first
order_counts as (

    select customer_no, invoice_month, count(*) as orders
    from (
        select distinct customer_no, invoice_month, order_no
        from invoice_lines
        where not is_credit_note and order_no is not null
    ) as orders
    group by customer_no, invoice_month

),

delivery_counts as (

    select customer_no, invoice_month, count(*) as deliveries
    from (
        select distinct customer_no, invoice_month, delivery_no
        from invoice_lines
        where not is_credit_note and delivery_no is not null
    ) as deliveries
    group by customer_no, invoice_month

),

credit_note_counts as (

    select customer_no, invoice_month, count(*) as credit_notes
    from (
        select distinct customer_no, invoice_month, invoice_no
        from invoice_lines
        where is_credit_note
    ) as credit_notes
    group by customer_no, invoice_month

),

final as (

    select
        line_counts.customer_no,
        line_counts.invoice_month                       as period_month,
        coalesce(order_counts.orders, 0)                as orders,
        line_counts.invoice_lines,
        coalesce(delivery_counts.deliveries, 0)         as deliveries,
        coalesce(credit_note_counts.credit_notes, 0)    as credit_notes
    from line_counts
    left join order_counts
        on line_counts.customer_no is not distinct from order_counts.customer_no
        and line_counts.invoice_month is not distinct from order_counts.invoice_month
    left join delivery_counts
        on line_counts.customer_no is not distinct from delivery_counts.customer_no
        and line_counts.invoice_month is not distinct from delivery_counts.invoice_month
    left join credit_note_counts
        on line_counts.customer_no is not distinct from credit_note_counts.customer_no
        and line_counts.invoice_month is not distinct from credit_note_counts.invoice_month

)

select * from final
