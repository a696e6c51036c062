{{ monthly_incremental_config('data_rebuild_from_month') }}
{#- The invoice-line drivers per ERP customer_no × invoice month (no customer mapping:
    int_drivers_monthly maps customer_no to customer_key).
    orders / deliveries: distinct order_no / delivery_no of the month's invoice lines,
    credit notes left out (a return is not a new order); invoice_lines: every line,
    credit notes included. The month is the invoice month (the extract has no order date).
    A document invoiced to more than one customer_no in a month is listed in
    int_erp_shared_documents_monthly, so that a customer holding several of those
    customer_nos counts it once.
    Incremental by whole months from var data_rebuild_from_month (a month only depends on
    its own invoice lines). -#}
with

invoice_lines as (

    select * from {{ ref('stg_erp__invoice_lines') }}
    where {{ rebuild_months_filter('invoice_month', 'data_rebuild_from_month') }}

),

final as (

    select
        customer_no,
        invoice_month                                   as period_month,
        count(distinct order_no) filter (where not is_credit_note)
                                                        as orders,
        count(*)                                        as invoice_lines,
        count(distinct delivery_no) filter (where not is_credit_note)
                                                        as deliveries
    from invoice_lines
    group by customer_no, invoice_month

)

select * from final
