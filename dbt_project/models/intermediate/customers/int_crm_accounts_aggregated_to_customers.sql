{#- CRM facts per conformed customer: its primary account (the strongest link; for a
    prospect its anchor), industry and CRM customer type of that account, strategic
    importance of all its accounts, the weighted open pipeline, and whether any of its
    accounts is active. -#}
with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

normalized_accounts as (

    select * from {{ ref('int_crm_accounts_normalized') }}

),

resolved_accounts as (

    select * from {{ ref('int_crm_accounts_resolved') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

accounts_resolved as (

    select
        resolved_accounts.customer_key,
        resolved_accounts.match_method,
        resolved_accounts.match_confidence,
        resolved_accounts.link_kind,
        normalized_accounts.country_code,
        accounts.*
    from resolved_accounts
    inner join accounts on resolved_accounts.account_id = accounts.account_id
    inner join normalized_accounts on resolved_accounts.account_id = normalized_accounts.account_id

),

primary_accounts as (

    select * from accounts_resolved
    qualify row_number() over (
        partition by customer_key
        order by
            link_kind in ('direct', 'prospect_anchor') desc,
            match_confidence desc,
            is_active desc,
            created_at asc nulls last,
            account_id
    ) = 1

),

strategic_tokens as (

    select distinct
        accounts_resolved.customer_key,
        trim(lower(token)) as token
    from accounts_resolved
    cross join unnest(string_split(coalesce(accounts_resolved.strategic_importance, ''), ';')) as tokens(token)
    where trim(token) <> ''

),

strategic_importance as (

    select customer_key, string_agg(token, ';' order by token) as strategic_importance
    from strategic_tokens
    group by customer_key

),

open_pipeline as (

    select
        accounts_resolved.customer_key,
        sum(
            coalesce(opportunities.estimated_value, 0)
            * coalesce(opportunities.close_probability, 0) / 100.0
        ) as open_pipeline_weighted
    from opportunities
    inner join accounts_resolved on opportunities.account_id = accounts_resolved.account_id
    where opportunities.opportunity_state = 'open'
    group by accounts_resolved.customer_key

),

per_customer as (

    select
        customer_key,
        count(*) as crm_account_count,
        bool_or(is_active) as is_active_crm
    from accounts_resolved
    group by customer_key

),

final as (

    select
        per_customer.customer_key,
        primary_accounts.account_id as crm_account_id,
        primary_accounts.account_name as crm_account_name,
        primary_accounts.match_method as crm_match_method,
        primary_accounts.match_confidence as crm_match_confidence,
        primary_accounts.industry_code as industry,
        primary_accounts.customer_type_code as crm_customer_type,
        primary_accounts.country_code as crm_country,
        per_customer.crm_account_count,
        per_customer.is_active_crm,
        strategic_importance.strategic_importance,
        cast(round(coalesce(open_pipeline.open_pipeline_weighted, 0), 2) as decimal(18, 2)) as open_pipeline_weighted
    from per_customer
    inner join primary_accounts on per_customer.customer_key = primary_accounts.customer_key
    left join strategic_importance on per_customer.customer_key = strategic_importance.customer_key
    left join open_pipeline on per_customer.customer_key = open_pipeline.customer_key

)

select * from final
