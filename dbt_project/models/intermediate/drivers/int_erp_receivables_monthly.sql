{#- Receivable drivers per ERP customer_no × month, from invoices, due dates and payments
    (no customer mapping).

    An invoice (positive total; credit notes are not receivables) is outstanding from its
    invoice date until the day its payments (matched by invoice_no) and bad-debt
    write-offs (the invoice named in the GL text) cover it; partial payments lower the
    balance. Its customer_no is the lowest of its lines'. Its balance
    is constant between events, so we build segments [from, to) of constant balance and
    clip them to months and to the horizon (the day after the latest ERP drop, at most
    var as_of_date + 1). Events of one day change the balance once: the running balance
    of an event counts every event of its day, and only the day's last event opens a
    segment (the others end where they start), without grouping the events by day
    first. Every event carries its
    invoice's customer_no and due_date, so the segment months need no join back.
      receivable_euro_days  Σ outstanding balance × days outstanding in the month
      overdue_invoices      invoices past their due date and unpaid on at least one day
                            of the month
    A month only depends on events up to its end and on the horizon, so closed months do
    not change as time goes on: incremental by whole months (the build rebuilds from the
    first month whose ERP data changed, and at the latest from the previous as-of month,
    whose days up to the horizon grow every night). The invoices
    come at their own grain, with how far they are settled, from int_erp_invoices_settled
    (persisted, incremental by invoice). An incremental run computes the segments of the
    invoices that are still open (open_amount > 0) or whose last event falls in the
    rebuilt months, from their own payments and write-offs only; the others add nothing
    to those months. -#}
{%- set only_rebuilt_months = is_incremental() and rebuild_from() is not none %}
with

invoices_settled as (

    select * from {{ ref('int_erp_invoices_settled') }}

),

invoice_lines as (

    select * from {{ ref('stg_erp__invoice_lines') }}

),

payments as not materialized (

    -- read twice (horizon, balance events): not copied whole into a CTE result
    select * from {{ ref('stg_erp__payments') }}

),

gl_entries_pooled as (

    select * from {{ ref('int_gl_entries_pooled') }}

),

cost_pools as (

    select * from {{ ref('stg_config__cost_pools') }}

),

horizon as (

    select least(
        {{ as_of_date() }} + 1,
        greatest(
            (select max(extract_date) from invoice_lines),
            coalesce((select max(extract_date) from payments), date '0001-01-01')
        ) + 1
    ) as horizon_date

),

invoices as (

    -- credit notes (no positive total) are not receivables
    select
        invoice_no,
        customer_no,
        invoice_date,
        due_date,
        invoice_amount
    from invoices_settled
    where invoice_amount > 0
    {% if only_rebuilt_months -%}
        -- an invoice whose events all fall before the rebuilt months and that is settled
        -- after the last of them has no open segment in those months
        and (open_amount > 0
             or {{ rebuild_months_filter('last_event_date') }})
    {% endif %}
),

write_offs as (

    -- a bad-debt write-off closes (part of) the invoice its text names
    -- ('Write-off invoice F00250123'): the ERP books it like a payment
    select
        {{ written_off_invoice_no('gl_entries_pooled.entry_description') }} as invoice_no,
        gl_entries_pooled.posting_date,
        gl_entries_pooled.amount
    from gl_entries_pooled
    inner join cost_pools
        on gl_entries_pooled.cost_pool = cost_pools.cost_pool
    where cost_pools.method = 'direct'
        and cost_pools.cost_class = 'credit'

),

balance_events as (

    select
        invoice_no,
        customer_no,
        due_date,
        invoice_date as event_date,
        invoice_amount as amount_change
    from invoices
    union all
    select
        payments.invoice_no,
        invoices.customer_no,
        invoices.due_date,
        payments.payment_date,
        -payments.payment_amount
    from payments
    inner join invoices
        on payments.invoice_no = invoices.invoice_no
    union all
    select
        write_offs.invoice_no,
        invoices.customer_no,
        invoices.due_date,
        write_offs.posting_date,
        -write_offs.amount
    from write_offs
    inner join invoices
        on write_offs.invoice_no = invoices.invoice_no

),

balance_segments as (

    -- an event of a day with several ends where it starts (lead: the next event of the
    -- same day); the balance after the day counts them all (range frame: every event
    -- up to and including the event's day)
    select
        balance_events.invoice_no,
        balance_events.customer_no,
        balance_events.due_date,
        balance_events.event_date as segment_from,
        coalesce(
            lead(balance_events.event_date) over (
                partition by balance_events.invoice_no
                order by balance_events.event_date
            ),
            horizon.horizon_date
        ) as segment_to,
        sum(balance_events.amount_change) over (
            partition by balance_events.invoice_no
            order by balance_events.event_date
            range between unbounded preceding and current row
        ) as balance
    from balance_events
    cross join horizon

),

open_segments as (

    select
        balance_segments.*,
        least(balance_segments.segment_to, horizon.horizon_date) as segment_end
    from balance_segments
    cross join horizon
    where balance_segments.balance > 0
        and balance_segments.segment_from < least(balance_segments.segment_to, horizon.horizon_date)

),

segment_months as (

    select
        open_segments.*,
        cast(unnest(generate_series(
            date_trunc('month', open_segments.segment_from),
            date_trunc('month', open_segments.segment_end - 1),
            interval 1 month
        )) as date) as period_month
    from open_segments

),

segment_month_days as (

    select
        segment_months.invoice_no,
        segment_months.period_month,
        segment_months.balance,
        greatest(segment_months.segment_from, segment_months.period_month) as days_from,
        least(segment_months.segment_end, cast(segment_months.period_month + interval 1 month as date)) as days_to,
        segment_months.due_date,
        segment_months.customer_no
    from segment_months
    where {{ rebuild_months_filter('segment_months.period_month') }}

),

invoice_months as (

    select
        invoice_no,
        customer_no,
        period_month,
        sum(balance * (days_to - days_from))                            as euro_days,
        bool_or(greatest(days_from, due_date + 1) < days_to)            as is_overdue
    from segment_month_days
    group by invoice_no, customer_no, period_month

),

final as (

    select
        customer_no,
        period_month,
        cast(count(*) filter (where is_overdue) as bigint)  as overdue_invoices,
        cast(sum(euro_days) as decimal(38, 2))              as receivable_euro_days
    from invoice_months
    group by customer_no, period_month

)

select * from final
