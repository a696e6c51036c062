{{ config(materialized='table') }}
{#- Step 3 of the path of one euro: the quantity of every cost driver per customer_key ×
    month, in one long table (customer_key, period_month, driver, driver_quantity).
    Driver names are the `driver` values of seed `cost_pools`.
    orders / deliveries: distinct order_no / delivery_no of the month's invoice lines,
    credit notes left out (a return is not a new order); invoice_lines: every line,
    credit notes included. The month is the invoice month (the extract has no order date).
    The ERP drivers are aggregated per customer_no × month once, without the customer
    mapping (int_erp_invoice_drivers_monthly, int_erp_receivables_monthly: incremental
    tables rebuilt when the ERP data changes); here they are mapped to customer_key and
    added up. A distinct order / delivery invoiced to several customer_nos of one
    customer counts once (int_erp_shared_documents_monthly).
    Incremental runs keep only the months being rebuilt (macro intermediate_months_filter). -#}
with

erp_invoice_drivers as (

    select * from {{ ref('int_erp_invoice_drivers_monthly') }}
    where {{ intermediate_months_filter('period_month') }}

),

erp_shared_documents as (

    select * from {{ ref('int_erp_shared_documents_monthly') }}
    where {{ intermediate_months_filter('period_month') }}

),

erp_receivables as (

    select * from {{ ref('int_erp_receivables_monthly') }}
    where {{ intermediate_months_filter('period_month') }}

),

customer_keys as (

    select * from {{ ref('int_customer_source_keys') }}
    where system = 'erp'

),

customer_activity as (

    select * from {{ ref('int_customer_activity_monthly') }}

),

invoice_drivers_summed as (

    select
        coalesce(customer_keys.customer_key, {{ unassigned_customer_key() }}) as customer_key,
        erp_invoice_drivers.period_month,
        sum(erp_invoice_drivers.orders)                 as orders,
        sum(erp_invoice_drivers.invoice_lines)          as invoice_lines,
        sum(erp_invoice_drivers.deliveries)             as deliveries
    from erp_invoice_drivers
    left join customer_keys
        on erp_invoice_drivers.customer_no = customer_keys.source_id
    group by 1, 2

),

shared_documents_counted_twice as (

    -- a document held by n customer_nos of one customer is in the sums above n times
    select customer_key, period_month, driver, sum(holders - 1) as extra_count
    from (
        select
            coalesce(customer_keys.customer_key, {{ unassigned_customer_key() }}) as customer_key,
            erp_shared_documents.period_month,
            erp_shared_documents.driver,
            erp_shared_documents.document_no,
            count(*)                                    as holders
        from erp_shared_documents
        left join customer_keys
            on erp_shared_documents.customer_no = customer_keys.source_id
        group by 1, 2, 3, 4
    )
    group by customer_key, period_month, driver

),

invoice_drivers as (

    select
        invoice_drivers_summed.customer_key,
        invoice_drivers_summed.period_month,
        invoice_drivers_summed.orders - coalesce(shared_orders.extra_count, 0)          as orders,
        invoice_drivers_summed.invoice_lines,
        invoice_drivers_summed.deliveries - coalesce(shared_deliveries.extra_count, 0)  as deliveries
    from invoice_drivers_summed
    left join shared_documents_counted_twice as shared_orders
        on invoice_drivers_summed.customer_key = shared_orders.customer_key
        and invoice_drivers_summed.period_month = shared_orders.period_month
        and shared_orders.driver = 'orders'
    left join shared_documents_counted_twice as shared_deliveries
        on invoice_drivers_summed.customer_key = shared_deliveries.customer_key
        and invoice_drivers_summed.period_month = shared_deliveries.period_month
        and shared_deliveries.driver = 'deliveries'

),

receivables as (

    select
        coalesce(customer_keys.customer_key, {{ unassigned_customer_key() }}) as customer_key,
        erp_receivables.period_month,
        sum(erp_receivables.overdue_invoices)           as overdue_invoices,
        sum(erp_receivables.receivable_euro_days)       as receivable_euro_days
    from erp_receivables
    left join customer_keys
        on erp_receivables.customer_no = customer_keys.source_id
    group by 1, 2

),

unpivoted as (

    select customer_key, period_month, 'orders' as driver, cast(orders as decimal(38, 2)) as driver_quantity
    from invoice_drivers
    union all
    select customer_key, period_month, 'invoice_lines', cast(invoice_lines as decimal(38, 2))
    from invoice_drivers
    union all
    select customer_key, period_month, 'deliveries', cast(deliveries as decimal(38, 2))
    from invoice_drivers
    union all
    select customer_key, period_month, 'visit_minutes', cast(visit_minutes as decimal(38, 2))
    from customer_activity
    union all
    select customer_key, period_month, 'call_minutes', cast(call_minutes as decimal(38, 2))
    from customer_activity
    union all
    select customer_key, period_month, 'ticket_minutes', cast(ticket_minutes as decimal(38, 2))
    from customer_activity
    union all
    select customer_key, period_month, 'overdue_invoices', cast(overdue_invoices as decimal(38, 2))
    from receivables
    union all
    select customer_key, period_month, 'receivable_euro_days', cast(receivable_euro_days as decimal(38, 2))
    from receivables

),

final as (

    select * from unpivoted
    where driver_quantity > 0
        and {{ intermediate_months_filter('period_month') }}

)

select * from final
