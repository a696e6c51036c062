{#- Tests of the incremental facts check the months this build rebuilt: the months before
    were tested when they were built and no build touched them since. A generic test
    opts in with
        config:
          where: "period_month >= __rebuild_from_month__"
    (the placeholder becomes the first rebuilt month, or the first day of the calendar
    on a full build or --full-refresh); a singular test filters with
    tested_months_filter('<month column>'). -#}
{% macro tested_months_start() -%}
    {%- set rebuild_from = var('rebuild_from_month', none) -%}
    {%- if rebuild_from not in (none, '', 'None', 'null') and not flags.FULL_REFRESH -%}
        cast(date_trunc('month', cast('{{ rebuild_from }}' as date)) as date)
    {%- else -%}
        date '0001-01-01'
    {%- endif -%}
{%- endmacro %}

{% macro tested_months_filter(column) -%}
    {{ column }} >= {{ tested_months_start() }}
{%- endmacro %}

{#- dbt's own get_where_subquery, with the placeholder above filled in at run time. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where | replace('__rebuild_from_month__', tested_months_start()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
