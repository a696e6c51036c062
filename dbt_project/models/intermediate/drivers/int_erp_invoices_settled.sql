{#- One row per ERP invoice_no (credit notes included): the invoice at its own grain and
    how far it is settled, for the receivables (int_erp_receivables_monthly).
      customer_no, invoice_date   the lowest of its lines'
      due_date                    the latest of its lines' (the invoice date without one)
      invoice_amount              Σ net_amount_eur of its lines
      paid_amount                 Σ payments matched by invoice_no
      written_off_amount          Σ bad-debt write-offs (GL entries of a cost pool with
                                  method 'direct' and cost_class 'credit') whose text names
                                  the invoice ('Write-off invoice F00250123')
      open_amount                 invoice_amount - paid_amount - written_off_amount
      last_event_date             the latest of invoice_date, payment and write-off dates
      loaded_at, extract_date     the latest of its lines', payments' and write-offs'

    Incremental (delete+insert on invoice_no), with the reasoning of the staged deltas
    (macro superseded_versions): staging only ever replaces a row by a newer version,
    and a new version was loaded after this table was last built (its loaded_at is later
    than every loaded_at here) or extracted after the as-of date of that build (its
    extract_date is later than every extract_date here). A night recomputes the invoices
    named by such a version: an invoice line (its key holds the invoice_no), and every
    version of a payment or GL entry that has one: a corrected payment or write-off may
    name another invoice than before, which then loses it. Those earlier versions exist
    only in the append-only raw tables, so this model reads the versions of the changed
    payments and GL entries from base_erp__payment_versions and
    base_erp__gl_entry_versions (views over them). A payment that arrives before its
    invoice is counted when the invoice's lines arrive (they are new then). Exact
    because as_of_date does not move backwards in an incremental run (klantwaarde.build
    rebuilds with --full-refresh when it does) and seeds, which decide the EUR amounts
    and the cost pools, rebuild everything with --full-refresh (klantwaarde.build). -#}
{#- the versions are read in incremental runs only: dbt needs to know them when it parses -#}
-- depends_on: {{ ref('base_erp__payment_versions') }}, {{ ref('base_erp__gl_entry_versions') }}
{%- set as_of = as_of_date() %}
{#- what the table was built from, as literals (a filter on a literal skips the staging
    rows loaded before by their min/max; a join with the table's maximum scans them all) -#}
{#- every row counts as new unless the table tells otherwise (two %s for `format`) -#}
{%- set new_since_built = '(true or %s is null or %s is null)' %}
{#- a build of every month (a changed seed or config: rates, the pool map) recomputes every invoice -#}
{%- if is_incremental() and execute and rebuild_from() is not none %}
    {%- set built = run_query(
        'select cast(max(loaded_at) as varchar), cast(max(extract_date) as varchar) from ' ~ this
    ).rows[0] %}
    {%- if built[1] is not none and built[1] > var('as_of_date') | string %}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ' holds invoices extracted up to ' ~ built[1] ~ ', after as_of_date '
            ~ var('as_of_date') ~ ': build with --full-refresh') }}
    {%- endif %}
    {%- if built[0] is not none %}
        {%- set new_since_built = "(%s > cast('" ~ built[0] ~ "' as timestamp) or %s > cast('"
                                  ~ built[1] ~ "' as date))" %}
    {%- endif %}
{%- endif %}
with

invoice_lines as not materialized (

    select * from {{ ref('int_erp_invoice_lines_in_eur') }}

),

payments as (

    select * from {{ ref('stg_erp__payments') }}

),

gl_entries as (

    select * from {{ ref('stg_erp__gl_entries') }}

),

gl_entries_pooled as (

    select * from {{ ref('int_gl_entries_pooled') }}

),

cost_pools as (

    select * from {{ ref('stg_config__cost_pools') }}

),

{% if is_incremental() -%}
payment_versions as not materialized (

    select * from {{ ref('base_erp__payment_versions') }}

),

gl_entry_versions as not materialized (

    select * from {{ ref('base_erp__gl_entry_versions') }}

),

changed_payment_ids as (

    select distinct payment_versions.payment_id
    from payment_versions
    where payment_versions.extract_date <= {{ as_of }}
        and {{ new_since_built | format('payment_versions.loaded_at', 'payment_versions.extract_date') }}

),

changed_entry_nos as (

    select distinct gl_entry_versions.entry_no
    from gl_entry_versions
    where gl_entry_versions.extract_date <= {{ as_of }}
        and {{ new_since_built | format('gl_entry_versions.loaded_at', 'gl_entry_versions.extract_date') }}

),

changed_invoice_nos as (

    select invoice_lines.invoice_no
    from invoice_lines
    where {{ new_since_built | format('invoice_lines.loaded_at', 'invoice_lines.extract_date') }}

    union

    -- the invoice every version of a changed payment names (as stg_erp__payments stages it)
    select payment_versions.invoice_no
    from payment_versions
    inner join changed_payment_ids
        on payment_versions.payment_id = changed_payment_ids.payment_id
    where payment_versions.extract_date <= {{ as_of }}

    union

    -- the invoice the text of every version of a changed GL entry names, whatever its pool
    select {{ written_off_invoice_no('gl_entry_versions.entry_description') }}
    from gl_entry_versions
    inner join changed_entry_nos
        on gl_entry_versions.entry_no = changed_entry_nos.entry_no
    where gl_entry_versions.extract_date <= {{ as_of }}

),

{% endif -%}
recomputed_lines as (

    select invoice_lines.*
    from invoice_lines
    {% if is_incremental() -%}
    where invoice_lines.invoice_no in (select invoice_no from changed_invoice_nos)
    {% endif %}

),

recomputed_payments as (

    select payments.*
    from payments
    {% if is_incremental() -%}
    where payments.invoice_no in (select invoice_no from changed_invoice_nos)
    {% endif %}

),

write_offs as (

    -- a bad-debt write-off closes (part of) the invoice its text names
    -- ('Write-off invoice F00250123'): the ERP books it like a payment
    select
        {{ written_off_invoice_no('gl_entries_pooled.entry_description') }} as invoice_no,
        gl_entries_pooled.posting_date,
        gl_entries_pooled.amount,
        gl_entries.loaded_at,
        gl_entries.extract_date
    from gl_entries_pooled
    inner join cost_pools
        on gl_entries_pooled.cost_pool = cost_pools.cost_pool
    inner join gl_entries
        on gl_entries_pooled.entry_no = gl_entries.entry_no
    where cost_pools.method = 'direct'
        and cost_pools.cost_class = 'credit'

),

recomputed_write_offs as (

    select write_offs.*
    from write_offs
    {% if is_incremental() -%}
    where write_offs.invoice_no in (select invoice_no from changed_invoice_nos)
    {% endif %}

),

invoices as (

    select
        invoice_no,
        min(customer_no)                        as customer_no,
        min(invoice_date)                       as invoice_date,
        max(coalesce(due_date, invoice_date))   as due_date,
        sum(net_amount_eur)                     as invoice_amount,
        max(loaded_at)                          as loaded_at,
        max(extract_date)                       as extract_date
    from recomputed_lines
    group by invoice_no

),

payments_per_invoice as (

    select
        invoice_no,
        sum(payment_amount)     as paid_amount,
        max(payment_date)       as last_payment_date,
        max(loaded_at)          as loaded_at,
        max(extract_date)       as extract_date
    from recomputed_payments
    group by invoice_no

),

write_offs_per_invoice as (

    select
        invoice_no,
        sum(amount)             as written_off_amount,
        max(posting_date)       as last_write_off_date,
        max(loaded_at)          as loaded_at,
        max(extract_date)       as extract_date
    from recomputed_write_offs
    group by invoice_no

),

settled as (

    select
        invoices.invoice_no,
        invoices.customer_no,
        invoices.invoice_date,
        invoices.due_date,
        invoices.invoice_amount,
        coalesce(payments_per_invoice.paid_amount, 0)           as paid_amount,
        coalesce(write_offs_per_invoice.written_off_amount, 0)  as written_off_amount,
        invoices.invoice_amount
            - coalesce(payments_per_invoice.paid_amount, 0)
            - coalesce(write_offs_per_invoice.written_off_amount, 0) as open_amount,
        -- greatest() skips NULLs, as max() over the balance events does
        greatest(
            invoices.invoice_date,
            payments_per_invoice.last_payment_date,
            write_offs_per_invoice.last_write_off_date
        )                                                       as last_event_date,
        greatest(
            invoices.loaded_at,
            payments_per_invoice.loaded_at,
            write_offs_per_invoice.loaded_at
        )                                                       as loaded_at,
        greatest(
            invoices.extract_date,
            payments_per_invoice.extract_date,
            write_offs_per_invoice.extract_date
        )                                                       as extract_date
    from invoices
    left join payments_per_invoice
        on invoices.invoice_no = payments_per_invoice.invoice_no
    left join write_offs_per_invoice
        on invoices.invoice_no = write_offs_per_invoice.invoice_no

),

final as (

    select * from settled

)

select * from final
