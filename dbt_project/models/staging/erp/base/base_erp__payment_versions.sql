{#- Every loaded version of every payment (not only the latest: see stg_erp__payments),
    renamed and cast. Read by int_erp_invoices_settled: a corrected payment may name
    another invoice than its earlier version did, and that earlier invoice loses it. A
    view: its readers filter on extract_date and loaded_at, which reach the raw table. -#}
with

payment_versions as (

    select * from {{ source('erp', 'payments') }}

),

renamed as (

    select
        payment_id,
        nullif(invoice_no, '')        as invoice_no,
        _extract_date                       as extract_date,
        _source_file                        as source_file,
        _line_no                            as source_line_no,
        _loaded_at                          as loaded_at

    from payment_versions
    where payment_id is not null

),

final as (

    select * from renamed

)

select * from final
