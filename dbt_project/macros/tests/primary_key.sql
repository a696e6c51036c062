{#- Generic tests for a key of one or more columns (no dbt_utils: the hub is not reachable).

    primary_key: every key column is not null and the combination is unique.
    unique_combination: the combination is unique (nulls allowed). -#}

{% test primary_key(model, columns) %}
with keyed as (
    select {{ columns | join(', ') }} from {{ model }}
),
null_keys as (
    select 'null key' as failure, count(*) as n from keyed
    where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
    having count(*) > 0
),
duplicate_keys as (
    select 'duplicate key' as failure, count(*) as n from keyed
    group by {{ columns | join(', ') }}
    having count(*) > 1
)
select * from null_keys
union all
select * from duplicate_keys
{% endtest %}

{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
