{#- Strong candidate links service-desk organization -> conformed customer, one row per
    piece of evidence:
      external_id  the free-text external_id holds an ERP customer_no or a CRM accountid
      domain       a domain of the organization (domain_names, its requesters' e-mail
                   domains) is a CRM account's website domain -#}
with

organizations as (

    select * from {{ ref('int_servicedesk_organizations_normalized') }}

),

erp_customers as (

    select * from {{ ref('int_erp_customers_unioned') }}

),

resolved_accounts as (

    select * from {{ ref('int_crm_accounts_resolved') }}

),

domains as (

    select * from {{ ref('int_customer_domains_collected') }}

),

external_id_candidates as (

    select
        organizations.organization_id,
        {{ customer_key('erp', 'erp_customers.customer_no') }} as customer_key,
        'external_id' as evidence,
        'erp:' || erp_customers.customer_no as evidence_detail
    from organizations
    inner join erp_customers
        on organizations.external_id_normalized = {{ normalize_identifier('erp_customers.customer_no') }}

    union all

    select
        organizations.organization_id,
        resolved_accounts.customer_key,
        'external_id' as evidence,
        'crm:' || resolved_accounts.account_id as evidence_detail
    from organizations
    inner join resolved_accounts
        on organizations.external_id_normalized = {{ normalize_identifier('resolved_accounts.account_id') }}

),

domain_candidates as (

    select
        organization_domains.source_id as organization_id,
        resolved_accounts.customer_key,
        'domain' as evidence,
        organization_domains.domain as evidence_detail
    from domains as organization_domains
    inner join domains as account_domains
        on organization_domains.domain = account_domains.domain
        and account_domains.system = 'crm'
    inner join resolved_accounts on account_domains.source_id = resolved_accounts.account_id
    where organization_domains.system = 'servicedesk'

),

final as (

    select * from external_id_candidates
    union all
    select * from domain_candidates

)

select * from final
