{#- The staged invoice lines with their amounts in EUR: converted with seed `fx_rates` (a
    lookup, not a fan-out: one rate per currency), rounded to the cent per line. Every
    model that needs an amount in EUR reads the lines from here; a changed rate reaches
    them without restaging a line. -#}
with

invoice_lines as (

    select * from {{ ref('stg_erp__invoice_lines') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

final as (

    select
        invoice_lines.*,
        fx_rates.rate_to_eur,
        cast(round(invoice_lines.net_amount * fx_rates.rate_to_eur, 2) as decimal(18, 2))
                                                                as net_amount_eur,
        cast(round(coalesce(invoice_lines.cost_amount, 0) * fx_rates.rate_to_eur, 2) as decimal(18, 2))
                                                                as cost_amount_eur
    from invoice_lines
    left join fx_rates
        on invoice_lines.currency = fx_rates.currency

)

select * from final
