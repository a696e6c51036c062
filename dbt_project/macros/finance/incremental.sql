{#- The facts at the source's grain (system × source id × month: an ERP customer_no, a
    CRM account, a service-desk organisation) are incremental by whole months: every
    month >= var `rebuild_from_month` (the first month whose source data changed, decided
    by klantwaarde.build), NULL for every month. They never depend on the customer
    mapping, so a re-link rebuilds none of them: the conformed-customer marts map them
    through the bridge (see mapped_rows_filter below). -#}
{% macro rebuild_from() -%}
    {%- set value = var('rebuild_from_month', none) -%}
    {%- if value in (none, '', 'None', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The first rebuilt month as a DATE literal. -#}
{% macro rebuild_from_date() -%}
    cast(date_trunc('month', cast('{{ rebuild_from() }}' as date)) as date)
{%- endmacro %}

{#- Use in the final WHERE of an incremental model:
        where {{ rebuild_months_filter('period_month') }} -#}
{% macro rebuild_months_filter(column) -%}
    {%- if is_incremental() and rebuild_from() is not none -%}
        {{ column }} >= {{ rebuild_from_date() }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of the facts rebuilt by whole months (dbt_project.yml): remove the months being rebuilt, so that a month
    that lost all of its rows does not keep stale ones (delete+insert alone only
    replaces the months present in the new batch). -#}
{% macro delete_rebuilt_months(column='period_month') -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        {%- if rebuild_from() is not none %}
        where {{ column }} >= {{ rebuild_from_date() }}
        {%- endif %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- The views that feed the allocation (cost pools and drivers of a month) only need the
    months int_cost_allocations rebuilds. Only safe while that table is built
    incrementally: no filter on --full-refresh, without the var, or while it is missing
    (then it is built whole). -#}
{% macro allocation_months_filter(column) -%}
    {%- if execute and rebuild_from() is not none and not flags.FULL_REFRESH
          and adapter.get_relation(database=target.database, schema='intermediate',
                                   identifier='int_cost_allocations') is not none -%}
        {{ column }} >= {{ rebuild_from_date() }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The conformed customer of a source id: the bridge's customer_key, the unassigned
    member where the bridge has none (no account on an activity, no organisation on a
    ticket). `keys` is a CTE over int_customer_source_keys. -#}
{% macro mapped_customer_key(keys) -%}
    coalesce({{ keys }}.customer_key, {{ unassigned_customer_key() }})
{%- endmacro %}

{#- The rows of `facts`, a CTE at the source's grain (system, source_id, ...), with their
    conformed customer in front (customer_key), for a CTE of the marts that map them:
        keyed as ( {{ keyed_by_customer('cost_allocations', 'customer_keys') }} ) -#}
{% macro keyed_by_customer(facts, keys) -%}
    select
        {{ mapped_customer_key(keys) }} as customer_key,
        {{ facts }}.*
    from {{ facts }}
    left join {{ keys }}
        on {{ facts }}.system = {{ keys }}.system
        and {{ facts }}.source_id = {{ keys }}.source_id
{%- endmacro %}

{#- The conformed-customer marts are incremental too, by what changed: the months the
    facts at the source's grain rebuilt, and every month of the customers whose source
    ids changed since the previous build (int_customer_keys_restated: a re-link moves a
    source id's whole history at once). A model selects its rows with
        where {{ mapped_rows_filter('period_month', 'customer_key') }}
    and names its dependency on the restated keys in a comment:
        -- depends_on: {{ ref('int_customer_keys_restated') }} -#}
{% macro mapped_rows_condition(month_column, key_column) -%}
    ({{ month_column }} >= {{ rebuild_from_date() }}
     or {{ key_column }} in (select customer_key from {{ ref('int_customer_keys_restated') }}))
{%- endmacro %}

{% macro mapped_rows_filter(month_column, key_column) -%}
    {%- if is_incremental() and rebuild_from() is not none -%}
        {{ mapped_rows_condition(month_column, key_column) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of the conformed-customer marts (dbt_project.yml): remove the rows the
    build writes again, which the model then appends. -#}
{% macro delete_mapped_rows(month_column='period_month', key_column='customer_key') -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        {%- if rebuild_from() is not none %}
        where {{ mapped_rows_condition(month_column, key_column) }}
        {%- endif %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
