{#- REVENUE is defined here, once (doc block `revenue`): the net amount in EUR of ERP
    invoice lines by invoice month, credit notes netted (they are negative lines).
    COGS likewise from `cost_amount`. One row per customer_key × period_month. -#}
with

invoice_lines as (

    select * from {{ ref('stg_erp__invoice_lines') }}

),

customer_keys as (

    select * from {{ ref('int_customer_source_keys') }}
    where system = 'erp'

),

invoice_lines_keyed as (

    select
        coalesce(customer_keys.customer_key, {{ unassigned_customer_key() }}) as customer_key,
        invoice_lines.invoice_month as period_month,
        invoice_lines.net_amount_eur,
        invoice_lines.cost_amount_eur,
        invoice_lines.invoice_date
    from invoice_lines
    left join customer_keys
        on invoice_lines.customer_no = customer_keys.source_id

),

final as (

    select
        customer_key,
        period_month,
        cast(sum(net_amount_eur) as decimal(18, 2))     as revenue,
        cast(sum(cost_amount_eur) as decimal(18, 2))    as cogs,
        count(*)                                        as invoice_line_count,
        min(invoice_date)                               as first_invoice_date,
        max(invoice_date)                               as last_invoice_date
    from invoice_lines_keyed
    group by customer_key, period_month

)

select * from final
