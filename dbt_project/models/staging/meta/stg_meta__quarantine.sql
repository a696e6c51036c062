{#- The quarantine without its raw content (which may hold personal data): where each
    row not loaded sits, and the loader's reason. -#}
with

quarantine as (

    select * from {{ source('meta', 'quarantine') }}

),

renamed as (

    select
        system || '/' || strftime(extract_date, '%Y-%m-%d') || '/' || file_name as source_file,
        system,
        extract_date,
        file_name,
        line_no                                             as source_line_no,
        reason                                              as quarantine_reason

    from quarantine

),

final as (

    select * from renamed

)

select * from final
