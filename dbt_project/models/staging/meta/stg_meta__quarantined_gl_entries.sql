{#- GL postings held in quarantine, as far as they can be read. -#}
with

quarantined_gl_entries as (

    select * from {{ source('meta', 'quarantined_gl_entries') }}

),

renamed as (

    select
        quarantine_id,
        source_file,
        line_no                                             as source_line_no,
        entry_no,
        posting_date,
        cast(date_trunc('month', posting_date) as date)     as posting_month,
        account_no,
        cost_center,
        cast(amount as decimal(18, 2))                      as amount,
        amount_text,
        reason                                              as quarantine_reason,
        _extract_date                                       as extract_date,
        _loaded_at                                          as loaded_at

    from quarantined_gl_entries

),

final as (

    select * from renamed

)

select * from final
