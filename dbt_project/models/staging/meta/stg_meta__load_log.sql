{#- The load log: one row per file of a loaded drop. -#}
with

load_log as (

    select * from {{ source('meta', 'load_log') }}

),

renamed as (

    select
        system || '/' || strftime(extract_date, '%Y-%m-%d') || '/' || file_name as source_file,
        system,
        extract_date,
        file_name,
        rows_in,
        rows_loaded,
        rows_quarantined,
        status                                              as load_status,
        flags                                               as file_flags,
        loaded_at

    from load_log

),

final as (

    select * from renamed

)

select * from final
