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
