{#- Per night and file, what the loader did with every source row: loaded, quarantined
    and why, flagged and with what. Rows in = loaded + quarantined for every file. -#}
with

load_log as (

    select * from {{ ref('stg_meta__load_log') }}

),

quarantine_reasons as (

    select * from {{ ref('int_quarantine_reasons_counted') }}

),

row_flags as (

    select * from {{ ref('int_raw_row_flags_counted') }}

),

outcomes as (

    select source_file, 'loaded' as outcome, 'loaded' as detail, rows_loaded as row_count
    from load_log
    union all
    select source_file, 'quarantined', reason, quarantined_rows
    from quarantine_reasons
    union all
    select source_file, 'flagged', flag, flagged_rows
    from row_flags

),

final as (

    select
        cast(load_log.system as varchar)                    as system,
        cast(load_log.extract_date as date)                 as extract_date,
        cast(load_log.file_name as varchar)                 as file_name,
        cast(load_log.source_file as varchar)               as source_file,
        cast(outcomes.outcome as varchar)                   as outcome,
        cast(outcomes.detail as varchar)                    as detail,
        cast(outcomes.row_count as bigint)                  as row_count,
        cast(load_log.rows_in as bigint)                    as file_rows_in,
        cast(load_log.rows_loaded as bigint)                as file_rows_loaded,
        cast(load_log.rows_quarantined as bigint)           as file_rows_quarantined,
        cast(load_log.file_flags as varchar)                as file_flags
    from load_log
    inner join outcomes
        on load_log.source_file = outcomes.source_file

)

select * from final
