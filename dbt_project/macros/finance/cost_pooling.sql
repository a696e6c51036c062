{#- The rule that turns a GL posting into cost of a pool, in one place: a posting on an
    account that the config's `gl_accounts.csv` does not class as revenue or cogs is cost
    (an unknown account is a cost account); its pool comes from the config's
    `cost_pool_map.csv` by (account_no, cost_center), and a pair the map does not know lands in pool `unmapped` (never
    dropped, never allocated). `entries` is a relation or CTE with account_no and
    cost_center; the result is its cost rows with cost_pool and is_unmapped. -#}
{% macro pooled_gl_cost_entries(entries) -%}
    select
        {{ entries }}.*,
        coalesce(cost_pool_map.cost_pool, 'unmapped')   as cost_pool,
        cost_pool_map.cost_pool is null                 as is_unmapped
    from {{ entries }}
    left join {{ ref('stg_config__gl_accounts') }} as gl_accounts
        on {{ entries }}.account_no = gl_accounts.account_no
    left join {{ ref('stg_config__cost_pool_map') }} as cost_pool_map
        on {{ entries }}.account_no = cost_pool_map.account_no
        and {{ entries }}.cost_center = cost_pool_map.cost_center
    where coalesce(gl_accounts.account_class, 'cost') = 'cost'
{%- endmacro %}

{#- A pool's usage per source id and month: Σ driver quantity and Σ activity minutes over
    the pool's activities (`usage`: int_pool_activity_usage), the minutes named `minutes_as`
    (the weight of a driver_share pool, the minutes of a time-driven pool). -#}
{% macro pool_usage_by_source(usage, minutes_as) -%}
    select
        period_month,
        cost_pool,
        system,
        source_id,
        sum(driver_quantity)                        as driver_quantity,
        sum(activity_minutes)                       as {{ minutes_as }}
    from {{ usage }}
    group by all
{%- endmacro %}
