{#- Every source record that denotes a customer -> exactly one conformed customer_key.
    erp: every customer_no of the master and every number seen only in transactions
    (inferred); crm: every accountid; servicedesk: every organization_id (unmatched ones
    to the unassigned member). Tickets without organization_id belong to the unassigned
    member: coalesce(bridge.customer_key, unassigned_customer_key()). -#}
with

erp_customers as (

    select * from {{ ref('int_erp_customers_unioned') }}

),

crm_accounts as (

    select * from {{ ref('int_crm_accounts_resolved') }}

),

servicedesk_organizations as (

    select * from {{ ref('int_servicedesk_organizations_resolved') }}

),

erp_links as (

    select
        'erp' as system,
        customer_no as source_id,
        {{ customer_key('erp', 'customer_no') }} as customer_key,
        case when is_inferred then 'inferred' else 'erp_master' end as match_method,
        1.0000 as match_confidence
    from erp_customers

),

crm_links as (

    select
        'crm' as system,
        account_id as source_id,
        customer_key,
        match_method,
        match_confidence
    from crm_accounts

),

servicedesk_links as (

    select
        'servicedesk' as system,
        organization_id as source_id,
        customer_key,
        match_method,
        match_confidence
    from servicedesk_organizations

),

unioned as (

    select * from erp_links
    union all
    select * from crm_links
    union all
    select * from servicedesk_links

),

final as (

    select
        cast(system as varchar) as system,
        cast(source_id as varchar) as source_id,
        cast(customer_key as varchar) as customer_key,
        cast(match_method as varchar) as match_method,
        cast(match_confidence as decimal(5, 4)) as match_confidence
    from unioned

)

select * from final
