{#- Loaded rows per file and flag: every raw table's `_flags` (';'-separated, set by the
    loader: added_columns, non_eur_currency, mojibake_repaired,
    control_characters_removed, quantity_sign_mismatch, unknown_<column>) counted per
    source file. A row with two flags counts once under each. -#}
{%- set raw_tables = [
    ('erp', 'customers'), ('erp', 'products'), ('erp', 'invoice_lines'),
    ('erp', 'payments'), ('erp', 'gl_entries'),
    ('crm', 'accounts'), ('crm', 'activities'), ('crm', 'opportunities'),
    ('servicedesk', 'organizations'), ('servicedesk', 'tickets'),
] -%}
with

{% for system, table in raw_tables %}
{{ system }}_{{ table }} as (

    select _source_file, _flags from {{ source(system, table) }}
    where _flags is not null

),

{% endfor %}
flagged_rows as (

    {% for system, table in raw_tables %}
    select _source_file, _flags from {{ system }}_{{ table }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

flags_split as (

    select
        _source_file                                        as source_file,
        unnest(string_split(_flags, ';'))                   as flag
    from flagged_rows

),

final as (

    select
        source_file,
        flag,
        count(*)                                            as flagged_rows
    from flags_split
    where flag <> ''
    group by source_file, flag

)

select * from final
