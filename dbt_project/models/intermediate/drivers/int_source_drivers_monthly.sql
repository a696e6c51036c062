{#- Step 3 of the path of one euro: the quantity of every cost driver per source id ×
    month, in one long table (system, source_id, period_month, driver, driver_quantity),
    before any customer mapping: every driver of contracts §5, measured once. A config's
    pool_activities name these drivers (klantwaarde.config.DRIVERS, checked before the
    build).
      orders / deliveries   distinct order_no / delivery_no of the ERP customer_no's
                            invoice lines of the month, credit notes left out (a return
                            is not a new order); a document invoiced to two customer_nos
                            counts for each of them (doc block `driver_quantity`)
      invoice_lines         every line, credit notes included
      credit_notes          distinct credit-note documents
      overdue_invoices, receivable_euro_days   per ERP customer_no
      visits, visit_minutes, calls, call_minutes   per CRM account (completed)
      tickets, ticket_minutes                      per service-desk organisation
    The month is the invoice month (the extract has no order date). Only the months
    int_cost_allocations rebuilds are read (macro allocation_months_filter). -#}
with

erp_invoice_drivers as (

    select * from {{ ref('int_erp_invoice_drivers_monthly') }}
    where {{ allocation_months_filter('period_month') }}

),

erp_receivables as (

    select * from {{ ref('int_erp_receivables_monthly') }}
    where {{ allocation_months_filter('period_month') }}

),

source_activity as (

    select * from {{ ref('int_source_activity_monthly') }}
    where {{ allocation_months_filter('period_month') }}

),

unpivoted as (

    select 'erp' as system, customer_no as source_id, period_month, 'orders' as driver,
           cast(orders as decimal(38, 2)) as driver_quantity
    from erp_invoice_drivers
    union all
    select 'erp', customer_no, period_month, 'invoice_lines', cast(invoice_lines as decimal(38, 2))
    from erp_invoice_drivers
    union all
    select 'erp', customer_no, period_month, 'deliveries', cast(deliveries as decimal(38, 2))
    from erp_invoice_drivers
    union all
    select 'erp', customer_no, period_month, 'credit_notes', cast(credit_notes as decimal(38, 2))
    from erp_invoice_drivers
    union all
    select 'erp', customer_no, period_month, 'overdue_invoices', cast(overdue_invoices as decimal(38, 2))
    from erp_receivables
    union all
    select 'erp', customer_no, period_month, 'receivable_euro_days', cast(receivable_euro_days as decimal(38, 2))
    from erp_receivables
    union all
    select system, source_id, period_month, 'visits', cast(visit_count as decimal(38, 2))
    from source_activity
    union all
    select system, source_id, period_month, 'calls', cast(call_count as decimal(38, 2))
    from source_activity
    union all
    select system, source_id, period_month, 'tickets', cast(ticket_count as decimal(38, 2))
    from source_activity
    union all
    select system, source_id, period_month, 'visit_minutes', cast(visit_minutes as decimal(38, 2))
    from source_activity
    union all
    select system, source_id, period_month, 'call_minutes', cast(call_minutes as decimal(38, 2))
    from source_activity
    union all
    select system, source_id, period_month, 'ticket_minutes', cast(ticket_minutes as decimal(38, 2))
    from source_activity

),

final as (

    select * from unpivoted
    where driver_quantity > 0

)

select * from final
