{#- Incremental facts are rebuilt by whole months: every month >= var rebuild_from_month
    (NULL: every month). Use in the final WHERE of an incremental mart model:
        where {{ rebuild_months_filter('period_month') }} -#}
{% macro rebuild_months_filter(column) -%}
    {%- set rebuild_from = var('rebuild_from_month', none) -%}
    {%- if is_incremental() and rebuild_from not in (none, '', 'None', 'null') -%}
        {{ column }} >= cast(date_trunc('month', cast('{{ rebuild_from }}' as date)) as date)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of the incremental facts: remove the months being rebuilt, so that a month
    that lost all of its rows does not keep stale ones (delete+insert alone only
    replaces the months present in the new batch). -#}
{% macro delete_rebuilt_months(column='period_month') -%}
    {%- set rebuild_from = var('rebuild_from_month', none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        {%- if rebuild_from not in (none, '', 'None', 'null') %}
        where {{ column }} >= cast(date_trunc('month', cast('{{ rebuild_from }}' as date)) as date)
        {%- endif %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- The intermediate money models (cost pools per month, drivers per month, and so the
    allocations) only need the months the incremental facts rebuild. Filtering them
    saves recomputing every month of history each night. Only safe while the facts are
    built incrementally: no filter on --full-refresh, without the var, or while any
    incremental fact is missing (then the facts are built whole). -#}
{% macro intermediate_months_filter(column) -%}
    {%- set rebuild_from = var('rebuild_from_month', none) -%}
    {%- if execute and rebuild_from not in (none, '', 'None', 'null')
          and not flags.FULL_REFRESH and incremental_facts_exist() -%}
        {{ column }} >= cast(date_trunc('month', cast('{{ rebuild_from }}' as date)) as date)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro incremental_facts_exist() -%}
    {%- for name in ['fct_customer_profitability', 'fct_cost_allocation', 'fct_allocation_trace',
                     'fct_customer_activity', 'reconciliation_ledger'] -%}
        {%- set relation = adapter.get_relation(database=target.database, schema='mart', identifier=name) -%}
        {%- if relation is none -%}{{ return(false) }}{%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}
