{#- Payments received (EUR, the books' currency), latest version of each payment_id. -#}
with

payments as (

    select * from {{ latest_versions(
        source('erp', 'payments'),
        ref('base_erp__payments_superseded'),
        ['payment_id']
    ) }}

),

renamed as (

    select
        payment_id,
        nullif(invoice_no, '')        as invoice_no,
        nullif(customer_no, '')       as customer_no,
        cast(payment_date as date)          as payment_date,
        cast(date_trunc('month', payment_date) as date) as payment_month,
        cast(amount as decimal(18, 2))      as payment_amount,
        _extract_date                       as extract_date,
        _source_file                        as source_file,
        _line_no                            as source_line_no,
        _flags                              as load_flags,
        _loaded_at                          as loaded_at

    from payments

),

final as (

    select * from renamed

)

select * from final
