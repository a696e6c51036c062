{#- Every GL posting the loader holds in quarantine, for finance: where it is (file and
    line), what can be read of it, which pool and month its money belongs to, and why
    it was not loaded. The free-text description is not carried. -#}
with

quarantined_gl_entries as (

    select * from {{ ref('stg_meta__quarantined_gl_entries') }}

),

pooled as (

    {{ pooled_gl_cost_entries('quarantined_gl_entries') }}

),

final as (

    select
        cast(quarantined_gl_entries.quarantine_id as varchar)       as quarantine_id,
        cast(quarantined_gl_entries.source_file as varchar)         as source_file,
        cast(quarantined_gl_entries.source_line_no as bigint)       as source_line_no,
        cast(quarantined_gl_entries.entry_no as varchar)            as entry_no,
        cast(quarantined_gl_entries.posting_date as date)           as posting_date,
        cast(quarantined_gl_entries.posting_month as date)          as period_month,
        cast(quarantined_gl_entries.account_no as varchar)          as account_no,
        cast(quarantined_gl_entries.cost_center as varchar)         as cost_center,
        cast(pooled.cost_pool as varchar)                           as cost_pool,
        cast(quarantined_gl_entries.amount as decimal(18, 2))       as amount,
        cast(quarantined_gl_entries.amount_text as varchar)         as amount_text,
        cast(quarantined_gl_entries.quarantine_reason as varchar)   as quarantine_reason,
        cast(quarantined_gl_entries.extract_date as date)           as extract_date
    from quarantined_gl_entries
    left join pooled
        on quarantined_gl_entries.quarantine_id = pooled.quarantine_id

)

select * from final
