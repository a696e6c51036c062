{#- Incremental models are rebuilt by whole months: every month >= the month named by a
    var (`months_var`), NULL for every month. Two windows:
      rebuild_from_month       the mart facts and the intermediate money models feeding
                               them; widened by the build to every fact of a source id
                               whose customer mapping changed.
      data_rebuild_from_month  the ERP aggregates at the source grain (customer_no ×
                               month, no customer mapping): the first month whose source
                               data changed, not widened by mapping changes. Its default
                               in dbt_project.yml is the name 'rebuild_from_month': then
                               it is the same month as rebuild_from_month.
    Whenever rebuild_from_month is NULL (every month: first build, changed seed, ...)
    every other window is NULL too. -#}
{% macro rebuild_from(months_var='rebuild_from_month') -%}
    {%- set value = var(months_var, none) -%}
    {%- if months_var != 'rebuild_from_month' -%}
        {%- if value == 'rebuild_from_month' -%}
            {%- set value = var('rebuild_from_month', none) -%}
        {%- endif -%}
        {%- if rebuild_from('rebuild_from_month') is none -%}
            {%- set value = none -%}
        {%- endif -%}
    {%- endif -%}
    {%- if value in (none, '', 'None', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- Use in the final WHERE of an incremental model:
        where {{ rebuild_months_filter('period_month') }}
        where {{ rebuild_months_filter('period_month', 'data_rebuild_from_month') }} -#}
{% macro rebuild_months_filter(column, months_var='rebuild_from_month') -%}
    {%- set first_month = rebuild_from(months_var) -%}
    {%- if is_incremental() and first_month is not none -%}
        {{ column }} >= cast(date_trunc('month', cast('{{ first_month }}' as date)) as date)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of the incremental models: remove the months being rebuilt, so that a month
    that lost all of its rows does not keep stale ones (delete+insert alone only
    replaces the months present in the new batch). -#}
{% macro delete_rebuilt_months(column='period_month', months_var='rebuild_from_month') -%}
    {%- set first_month = rebuild_from(months_var) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        {%- if first_month is not none %}
        where {{ column }} >= cast(date_trunc('month', cast('{{ first_month }}' as date)) as date)
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
{% macro intermediate_months_filter(column, months_var='rebuild_from_month') -%}
    {%- set first_month = rebuild_from(months_var) -%}
    {%- if execute and first_month is not none
          and not flags.FULL_REFRESH and incremental_facts_exist() -%}
        {{ column }} >= cast(date_trunc('month', cast('{{ first_month }}' as date)) as date)
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

{#- The config of a model rebuilt by whole months: incremental, delete+insert on
    period_month, the rebuilt months of `months_var` deleted first (see
    delete_rebuilt_months). At the top of the model:
        {{ monthly_incremental_config() }}
        {{ monthly_incremental_config('data_rebuild_from_month') }} -#}
{% macro monthly_incremental_config(months_var='rebuild_from_month') -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period_month',
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_months('period_month', '" ~ months_var ~ "') }}"
    ) }}
{%- endmacro %}
