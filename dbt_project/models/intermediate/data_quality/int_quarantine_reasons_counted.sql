{#- Quarantined rows per file and kind of reason. The reason is generalised so that it
    names what was wrong and not the value (a value may be personal data): quoted values
    and dates become `…`, a superseding line number `a later line`. -#}
with

quarantine as (

    select * from {{ ref('stg_meta__quarantine') }}

),

generalised as (

    select
        source_file,
        regexp_replace(
            regexp_replace(
                regexp_replace(quarantine_reason, '''[^'']*''', '…', 'g'),
                '[0-9]{4}-[0-9]{2}-[0-9]{2}', '…', 'g'
            ),
            'superseded by line [0-9]+', 'superseded by a later line', 'g'
        )                                                   as reason
    from quarantine

),

final as (

    select
        source_file,
        reason,
        count(*)                                            as quarantined_rows
    from generalised
    group by source_file, reason

)

select * from final
