{#- Invoice lines, latest version of each (invoice_no, line_no), renamed and cast.
    Amounts stay in the document currency (int_erp_invoice_lines_in_eur converts them).
    Credit notes keep their negative sign. -#}
with

invoice_lines as (

    select * from {{ latest_versions(
        source('erp', 'invoice_lines'),
        ref('base_erp__invoice_lines_superseded'),
        ['invoice_no', 'line_no']
    ) }}

),

renamed as (

    select
        invoice_lines.invoice_no,
        cast(invoice_lines.line_no as integer)                  as line_no,
        cast(invoice_lines.invoice_date as date)                as invoice_date,
        cast(invoice_lines.due_date as date)                    as due_date,
        cast(date_trunc('month', invoice_lines.invoice_date) as date) as invoice_month,
        invoice_lines.customer_no,
        nullif(invoice_lines.order_no, '')                as order_no,
        nullif(invoice_lines.delivery_no, '')             as delivery_no,
        nullif(invoice_lines.product_code, '')            as product_code,
        cast(invoice_lines.quantity as decimal(18, 3))          as quantity,
        cast(invoice_lines.unit_price as decimal(18, 4))        as unit_price,
        upper(invoice_lines.currency)                     as currency,
        cast(invoice_lines.discount_amount as decimal(18, 2))   as discount_amount,
        cast(invoice_lines.net_amount as decimal(18, 2))        as net_amount,
        cast(invoice_lines.cost_amount as decimal(18, 2))       as cost_amount,
        invoice_lines.quantity < 0 or invoice_lines.net_amount < 0
                                                                as is_credit_note,
        invoice_lines._extract_date                             as extract_date,
        invoice_lines._source_file                              as source_file,
        invoice_lines._line_no                                  as source_line_no,
        invoice_lines._flags                                    as load_flags,
        invoice_lines._loaded_at                                as loaded_at

    from invoice_lines

),

final as (

    select * from renamed

)

select * from final
