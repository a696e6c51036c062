{#- Every file of load_data_quality accounts for every source row: rows in = loaded +
    quarantined, the `loaded` row equals the rows loaded, and the quarantined rows per
    reason sum to the rows quarantined. Returns the files where that fails. -#}
with

load_data_quality as (

    select * from {{ ref('load_data_quality') }}

),

per_file as (

    select
        source_file,
        any_value(file_rows_in)                             as rows_in,
        any_value(file_rows_loaded)                         as rows_loaded,
        any_value(file_rows_quarantined)                    as rows_quarantined,
        sum(row_count) filter (where outcome = 'loaded')    as loaded_outcome,
        coalesce(sum(row_count) filter (where outcome = 'quarantined'), 0) as quarantined_outcome
    from load_data_quality
    group by source_file

),

final as (

    select * from per_file
    where rows_in <> rows_loaded + rows_quarantined
        or loaded_outcome <> rows_loaded
        or quarantined_outcome <> rows_quarantined

)

select * from final
