{{ config(materialized='table') }}
{#- Step 1 of the path of one euro: every GL cost entry gets its cost pool.
    Cost entries are postings on accounts that seed `gl_accounts` does not class as
    revenue or cogs (an unknown account is a cost account). The pool comes from seed
    `cost_pool_map` by (account_no, cost_center); a pair the map does not know lands in
    pool `unmapped` (never dropped, never allocated). -#}
with

gl_entries as (

    select * from {{ ref('stg_erp__gl_entries') }}

),

gl_accounts as (

    select * from {{ ref('gl_accounts') }}

),

cost_pool_map as (

    select * from {{ ref('cost_pool_map') }}

),

cost_entries as (

    select gl_entries.*
    from gl_entries
    left join gl_accounts
        on gl_entries.account_no = gl_accounts.account_no
    where coalesce(gl_accounts.account_class, 'cost') = 'cost'

),

pooled as (

    select
        cost_entries.entry_no,
        cost_entries.posting_date,
        cost_entries.posting_month                      as period_month,
        cost_entries.account_no,
        cost_entries.account_name,
        cost_entries.cost_center,
        cost_entries.amount,
        cost_entries.customer_no,
        cost_entries.entry_description,
        coalesce(cost_pool_map.cost_pool, 'unmapped')   as cost_pool,
        cost_pool_map.cost_pool is null                 as is_unmapped
    from cost_entries
    left join cost_pool_map
        on cost_entries.account_no = cost_pool_map.account_no
        and cost_entries.cost_center = cost_pool_map.cost_center

),

final as (

    select * from pooled

)

select * from final
