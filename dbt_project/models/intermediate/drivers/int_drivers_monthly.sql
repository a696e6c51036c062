{{ config(materialized='table') }}
{#- Step 3 of the path of one euro: the quantity of every cost driver per customer_key ×
    month, in one long table (customer_key, period_month, driver, driver_quantity).
    Driver names are the `driver` values of seed `cost_pools`.
    orders / deliveries: distinct order_no / delivery_no of the month's invoice lines,
    credit notes left out (a return is not a new order); invoice_lines: every line,
    credit notes included. The month is the invoice month (the extract has no order date).
    Incremental runs keep only the months being rebuilt (macro intermediate_months_filter). -#}
with

invoice_lines as (

    select * from {{ ref('stg_erp__invoice_lines') }}

),

customer_keys as (

    select * from {{ ref('int_customer_source_keys') }}
    where system = 'erp'

),

customer_activity as (

    select * from {{ ref('int_customer_activity_monthly') }}

),

receivables as (

    select * from {{ ref('int_receivables_monthly') }}

),

invoice_drivers as (

    select
        coalesce(customer_keys.customer_key, {{ unassigned_customer_key() }}) as customer_key,
        invoice_lines.invoice_month                     as period_month,
        count(distinct invoice_lines.order_no) filter (where not invoice_lines.is_credit_note)
                                                        as orders,
        count(*)                                        as invoice_lines,
        count(distinct invoice_lines.delivery_no) filter (where not invoice_lines.is_credit_note)
                                                        as deliveries
    from invoice_lines
    left join customer_keys
        on invoice_lines.customer_no = customer_keys.source_id
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
    select customer_key, period_month, 'receivable_euro_days', receivable_euro_days
    from receivables

),

final as (

    select * from unpivoted
    where driver_quantity > 0
        and {{ intermediate_months_filter('period_month') }}

)

select * from final
