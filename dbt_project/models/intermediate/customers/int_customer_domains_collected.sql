{#- Company domains per CRM account and service-desk organization: CRM websiteurl,
    service-desk domain_names, and the e-mail domains of an organization's ticket
    requesters. Free-mail domains (seed free_mail_domains) say nothing and are left out. -#}
with

accounts as (

    select * from {{ ref('int_crm_accounts_normalized') }}

),

organizations as (

    select * from {{ ref('stg_servicedesk__organizations') }}

),

tickets as (

    select * from {{ ref('stg_servicedesk__tickets') }}

),

free_mail_domains as (

    select lower(trim(domain)) as domain from {{ ref('free_mail_domains') }}

),

crm_website_domains as (

    select
        'crm' as system,
        account_id as source_id,
        website_domain as domain,
        'websiteurl' as domain_source
    from accounts
    where website_domain is not null

),

servicedesk_listed_domains as (

    select
        'servicedesk' as system,
        organization_id as source_id,
        {{ normalize_domain('listed_domain') }} as domain,
        'domain_names' as domain_source
    from organizations
    cross join unnest(string_split(regexp_replace(coalesce(domain_names, ''), '[,;]', ' ', 'g'), ' ')) as listed(listed_domain)

),

servicedesk_requesters as (

    -- distinct before normalizing: the regular expressions then run once per
    -- organization and domain (120k at 100,000 customers), not once per ticket (1 M)
    select distinct
        organization_id,
        requester_domain
    from tickets
    where organization_id is not null

),

servicedesk_requester_domains as (

    select distinct
        'servicedesk' as system,
        organization_id as source_id,
        {{ normalize_domain('requester_domain') }} as domain,
        'requester_email' as domain_source
    from servicedesk_requesters

),

all_domains as (

    select * from crm_website_domains
    union all
    select * from servicedesk_listed_domains
    union all
    select * from servicedesk_requester_domains

),

final as (

    select
        all_domains.system,
        all_domains.source_id,
        all_domains.domain,
        string_agg(distinct all_domains.domain_source, ';' order by all_domains.domain_source) as domain_sources
    from all_domains
    left join free_mail_domains
        on all_domains.domain = free_mail_domains.domain
    where all_domains.domain is not null
        and all_domains.domain like '%.%'
        and free_mail_domains.domain is null
    group by 1, 2, 3

)

select * from final
