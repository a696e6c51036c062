{#- One row per conformed customer: every ERP customer (master and inferred), every
    CRM-only company (a prospect, duplicates merged), and the unassigned member that
    collects what belongs to nobody. No personal data: names are company names. -#}
with

erp_customers as (

    select * from {{ ref('int_erp_customers_unioned') }}

),

crm_customers as (

    select * from {{ ref('int_crm_accounts_aggregated_to_customers') }}

),

servicedesk_organizations as (

    select * from {{ ref('int_servicedesk_organizations_resolved') }}

),

primary_organizations as (

    select
        customer_key,
        arg_min(organization_id, struct_pack(confidence := -match_confidence, organization_id := organization_id)) as servicedesk_org_id,
        arg_min(match_method, struct_pack(confidence := -match_confidence, organization_id := organization_id)) as servicedesk_match_method,
        max(match_confidence) as servicedesk_match_confidence,
        count(*) as servicedesk_org_count
    from servicedesk_organizations
    where not is_unassigned
    group by customer_key

),

erp_members as (

    select
        {{ customer_key('erp', 'erp_customers.customer_no') }} as customer_key,
        coalesce(
            erp_customers.customer_name,
            crm_customers.crm_account_name,
            'ERP customer ' || erp_customers.customer_no
        ) as customer_name,
        erp_customers.customer_no as erp_customer_no,
        crm_customers.crm_account_id,
        case
            when erp_customers.is_inferred then 'inferred'
            when crm_customers.crm_match_method is not null then crm_customers.crm_match_method
            when primary_organizations.servicedesk_match_method is not null then primary_organizations.servicedesk_match_method
            else 'erp_master'
        end as match_method,
        case
            when erp_customers.is_inferred then 1.0000
            else coalesce(crm_customers.crm_match_confidence, primary_organizations.servicedesk_match_confidence, 1.0000)
        end as match_confidence,
        coalesce(erp_customers.country_code, crm_customers.crm_country) as country_code,
        'customer' as customer_type,
        false as is_unassigned
    from erp_customers
    left join crm_customers
        on {{ customer_key('erp', 'erp_customers.customer_no') }} = crm_customers.customer_key
    left join primary_organizations
        on {{ customer_key('erp', 'erp_customers.customer_no') }} = primary_organizations.customer_key

),

prospect_members as (

    select
        crm_customers.customer_key,
        crm_customers.crm_account_name as customer_name,
        cast(null as varchar) as erp_customer_no,
        crm_customers.crm_account_id,
        'crm_only' as match_method,
        1.0000 as match_confidence,
        crm_customers.crm_country as country_code,
        'prospect' as customer_type,
        false as is_unassigned
    from crm_customers
    left join erp_customers
        on crm_customers.customer_key = {{ customer_key('erp', 'erp_customers.customer_no') }}
    where erp_customers.customer_no is null

),

unassigned_member as (

    select
        {{ unassigned_customer_key() }} as customer_key,
        'Unassigned' as customer_name,
        cast(null as varchar) as erp_customer_no,
        cast(null as varchar) as crm_account_id,
        'unassigned' as match_method,
        0.0000 as match_confidence,
        cast(null as varchar) as country_code,
        'unassigned' as customer_type,
        true as is_unassigned

),

members as (

    select * from erp_members
    union all
    select * from prospect_members
    union all
    select * from unassigned_member

),

final as (

    select
        cast(members.customer_key as varchar) as customer_key,
        cast(members.customer_name as varchar) as customer_name,
        cast(members.erp_customer_no as varchar) as erp_customer_no,
        cast(members.crm_account_id as varchar) as crm_account_id,
        cast(primary_organizations.servicedesk_org_id as varchar) as servicedesk_org_id,
        cast(members.match_method as varchar) as match_method,
        cast(members.country_code as varchar) as country_code,
        cast(crm_customers.industry as varchar) as industry,
        cast(members.customer_type as varchar) as customer_type,
        coalesce(crm_customers.strategic_importance is not null, false) as is_strategic,
        members.is_unassigned,
        cast(crm_customers.strategic_importance as varchar) as strategic_importance,
        cast(coalesce(crm_customers.open_pipeline_weighted, 0) as decimal(18, 2)) as open_pipeline_weighted,
        coalesce(crm_customers.is_active_crm, false) as is_active_crm,
        cast(members.match_confidence as decimal(5, 4)) as match_confidence,
        cast(crm_customers.crm_customer_type as varchar) as crm_customer_type,
        cast(coalesce(crm_customers.crm_account_count, 0) as integer) as crm_account_count,
        cast(coalesce(primary_organizations.servicedesk_org_count, 0) as integer) as servicedesk_org_count
    from members
    left join crm_customers on members.customer_key = crm_customers.customer_key
    left join primary_organizations on members.customer_key = primary_organizations.customer_key

)

select * from final
