{#- Every loaded version of every GL entry (not only the latest: see
    stg_erp__gl_entries), renamed and cast. Read by int_erp_invoices_settled: a corrected
    write-off may name another invoice in its text than its earlier version did. A view:
    its readers filter on extract_date and loaded_at, which reach the raw table. -#}
with

gl_entry_versions as (

    select * from {{ source('erp', 'gl_entries') }}

),

renamed as (

    select
        trim(entry_no)                      as entry_no,
        description                         as entry_description,
        _extract_date                       as extract_date,
        _source_file                        as source_file,
        _line_no                            as source_line_no,
        _loaded_at                          as loaded_at

    from gl_entry_versions
    where entry_no is not null

),

final as (

    select * from renamed

)

select * from final
