{#- Deltas: keep the latest version of each key, among drops up to var as_of_date. The latest drop (`_extract_date`) wins;
    inside one drop the highest physical line (`_line_no`) wins.
    Use in a staging model's import CTE:  select * from {{ latest_version(source('erp', 'payments'), ['payment_id']) }} -#}
{% macro latest_version(relation, key_columns) -%}
(
    select * from {{ relation }}
    where _extract_date <= cast('{{ var("as_of_date") }}' as date)
      and {% for column in key_columns %}{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by _extract_date desc, _line_no desc
    ) = 1
)
{%- endmacro %}

{#- Masters: rows of the latest full snapshot up to var as_of_date. -#}
{% macro latest_snapshot(relation) -%}
(
    select * from {{ relation }}
    where _extract_date = (
        select max(_extract_date) from {{ relation }}
        where _extract_date <= cast('{{ var("as_of_date") }}' as date)
    )
)
{%- endmacro %}

{#- Masters, robust to a quarantined row: the latest version of each key among the full
    snapshots up to var as_of_date, flagged `is_in_latest_snapshot`. Usually that is the
    latest snapshot; a row the loader quarantined in the latest drop keeps its previous
    version instead of vanishing with its name and attributes, and so does a row the
    source no longer exports. The highest line wins inside one drop. -#}
{% macro latest_master_version(relation, key_expressions) -%}
(
    select
        *,
        _extract_date = max(_extract_date) over () as is_in_latest_snapshot
    from {{ relation }}
    where _extract_date <= cast('{{ var("as_of_date") }}' as date)
      {% for expression in key_expressions %}and nullif(trim(cast({{ expression }} as varchar)), '') is not null
      {% endfor %}
    qualify row_number() over (
        partition by {{ key_expressions | join(', ') }}
        order by _extract_date desc, _line_no desc
    ) = 1
)
{%- endmacro %}
