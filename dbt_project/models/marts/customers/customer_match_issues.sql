{#- Conflicts of customer matching, for the data stewards: one row per issue.
      stale_account_number        accountnumber names an existing ERP customer, but the
                                  account was linked elsewhere or the number was rejected
                                  (contradicted, or nothing supports it)
      unknown_account_number      accountnumber names no ERP customer of the master
      conflicting_evidence        one account (or organization) has acceptable evidence for
                                  two or more customers
      ambiguous_match             two customers score equally well: linked to neither
      duplicate_accounts_merged   several CRM accounts became one customer
      unknown_external_id         a service-desk external_id that names no ERP customer
                                  and no CRM account
      unassigned_organization     a service-desk organization that matches nobody
      inferred_customer           an ERP customer_no seen in transactions only -#}
with

accounts as (

    select * from {{ ref('int_crm_accounts_normalized') }}

),

account_links as (

    select * from {{ ref('int_crm_account_links_scored') }}

),

resolved_accounts as (

    select * from {{ ref('int_crm_accounts_resolved') }}

),

organizations as (

    select * from {{ ref('int_servicedesk_organizations_normalized') }}

),

organization_links as (

    select * from {{ ref('int_servicedesk_organization_links_scored') }}

),

resolved_organizations as (

    select * from {{ ref('int_servicedesk_organizations_resolved') }}

),

erp_customers as (

    select * from {{ ref('int_erp_customers_unioned') }}

),

stale_account_numbers as (

    select
        'stale_account_number' as issue_type,
        'crm' as system,
        account_links.account_id as source_id,
        resolved_accounts.customer_key,
        {{ customer_key('erp', 'account_links.customer_no') }} as conflicting_customer_key,
        'accountnumber ' || account_links.customer_no || ' '
            || case
                when account_links.is_vat_conflict then 'has a different VAT number'
                when not account_links.is_account_number_supported then 'is a customer with a dissimilar name (similarity '
                    || round(account_links.name_similarity, 2) || ') and nothing else supports it'
                else 'lost to stronger evidence'
            end
            || '; account linked by ' || resolved_accounts.match_method as detail
    from account_links
    inner join resolved_accounts on account_links.account_id = resolved_accounts.account_id
    where account_links.has_account_number
        and resolved_accounts.customer_key <> {{ customer_key('erp', 'account_links.customer_no') }}

),

unknown_account_numbers as (

    select
        'unknown_account_number' as issue_type,
        'crm' as system,
        accounts.account_id as source_id,
        resolved_accounts.customer_key,
        cast(null as varchar) as conflicting_customer_key,
        'accountnumber ' || accounts.account_number_normalized || ' is no customer of the ERP master'
            || case when erp_customers.is_inferred then ' (only seen in transactions)' else '' end as detail
    from accounts
    inner join resolved_accounts on accounts.account_id = resolved_accounts.account_id
    left join erp_customers
        on accounts.account_number_normalized = {{ normalize_identifier('erp_customers.customer_no') }}
    where accounts.account_number_normalized is not null
        and (erp_customers.customer_no is null or erp_customers.is_inferred)

),

account_conflicts as (

    select
        'conflicting_evidence' as issue_type,
        'crm' as system,
        account_links.account_id as source_id,
        resolved_accounts.customer_key,
        min({{ customer_key('erp', 'account_links.customer_no') }}) filter (
            where {{ customer_key('erp', 'account_links.customer_no') }} <> resolved_accounts.customer_key
        ) as conflicting_customer_key,
        'evidence for ERP customers ' || string_agg(
            account_links.customer_no || ' (' || account_links.match_method || ', score '
                || account_links.evidence_score || ')', ', '
            order by account_links.evidence_score desc, account_links.customer_no, account_links.match_method
        ) as detail
    from account_links
    inner join resolved_accounts on account_links.account_id = resolved_accounts.account_id
    where account_links.is_acceptable
    group by account_links.account_id, resolved_accounts.customer_key
    having count(distinct account_links.customer_no) > 1

),

account_ties as (

    select
        'ambiguous_match' as issue_type,
        'crm' as system,
        account_links.account_id as source_id,
        resolved_accounts.customer_key,
        min({{ customer_key('erp', 'account_links.customer_no') }}) as conflicting_customer_key,
        'equal evidence for ERP customers ' || string_agg(account_links.customer_no, ', ' order by account_links.customer_no) as detail
    from account_links
    inner join resolved_accounts on account_links.account_id = resolved_accounts.account_id
    where account_links.is_acceptable and account_links.score_rank = 1 and account_links.ties_at_score > 1
    group by account_links.account_id, resolved_accounts.customer_key

),

duplicate_accounts as (

    select
        'duplicate_accounts_merged' as issue_type,
        'crm' as system,
        min(account_id) as source_id,
        customer_key,
        cast(null as varchar) as conflicting_customer_key,
        count(*) || ' CRM accounts are one customer: ' || string_agg(
            account_id || ' (' || match_method || ')', ', ' order by account_id
        ) as detail
    from resolved_accounts
    group by customer_key
    having count(*) > 1

),

organization_conflicts as (

    select
        case when bool_or(organization_links.score_rank = 1 and organization_links.ties_at_score > 1)
            then 'ambiguous_match' else 'conflicting_evidence' end as issue_type,
        'servicedesk' as system,
        organization_links.organization_id as source_id,
        resolved_organizations.customer_key,
        min(organization_links.customer_key) filter (
            where organization_links.customer_key <> resolved_organizations.customer_key
        ) as conflicting_customer_key,
        'evidence for ' || count(distinct organization_links.customer_key) || ' customers: '
            || string_agg(
                organization_links.evidence_details, ' | '
                order by organization_links.evidence_score desc, organization_links.customer_key,
                    organization_links.evidence_details
            ) as detail
    from organization_links
    inner join resolved_organizations
        on organization_links.organization_id = resolved_organizations.organization_id
    where organization_links.is_acceptable
    group by organization_links.organization_id, resolved_organizations.customer_key
    having count(distinct organization_links.customer_key) > 1

),

unknown_external_ids as (

    select
        'unknown_external_id' as issue_type,
        'servicedesk' as system,
        organizations.organization_id as source_id,
        resolved_organizations.customer_key,
        cast(null as varchar) as conflicting_customer_key,
        'external_id ' || organizations.external_id_normalized || ' is no ERP customer_no and no CRM accountid' as detail
    from organizations
    inner join resolved_organizations
        on organizations.organization_id = resolved_organizations.organization_id
    where organizations.external_id_normalized is not null
        and not exists (
            select 1 from organization_links
            where organization_links.organization_id = organizations.organization_id
                and organization_links.has_external_id
        )

),

erp_names as (

    select * from {{ ref('int_erp_customers_normalized') }}

),

namesake_customers as (

    -- ERP customers whose normalised name an unassigned organization bears: the
    -- candidates a steward chooses from
    select
        resolved_organizations.organization_id,
        count(*) as namesakes,
        string_agg(erp_names.customer_no, ', ' order by erp_names.customer_no) filter (
            where erp_names.customer_no is not null
        ) as customer_numbers
    from resolved_organizations
    inner join organizations
        on resolved_organizations.organization_id = organizations.organization_id
    inner join erp_names on organizations.name_normalized = erp_names.name_normalized
    where resolved_organizations.is_unassigned
    group by resolved_organizations.organization_id

),

unassigned_organizations as (

    select
        'unassigned_organization' as issue_type,
        'servicedesk' as system,
        resolved_organizations.organization_id as source_id,
        resolved_organizations.customer_key,
        cast(null as varchar) as conflicting_customer_key,
        case
            when namesake_customers.namesakes > 1
                then 'the name is that of ' || namesake_customers.namesakes
                    || ' ERP customers (' || namesake_customers.customer_numbers
                    || ') and no external_id or domain tells which'
            when namesake_customers.namesakes = 1
                then 'the name is that of ERP customer ' || namesake_customers.customer_numbers
                    || ', but other evidence contradicts it or another customer has it too'
            else 'no evidence links the organization to a customer'
        end as detail
    from resolved_organizations
    left join namesake_customers
        on resolved_organizations.organization_id = namesake_customers.organization_id
    where resolved_organizations.is_unassigned

),

inferred_customers as (

    select
        'inferred_customer' as issue_type,
        'erp' as system,
        customer_no as source_id,
        {{ customer_key('erp', 'customer_no') }} as customer_key,
        cast(null as varchar) as conflicting_customer_key,
        'customer_no seen in ' || inferred_from || ' but absent from the customer master' as detail
    from erp_customers
    where is_inferred

),

issues as (

    select * from stale_account_numbers
    union all
    select * from unknown_account_numbers
    union all
    select * from account_conflicts
    union all
    select * from account_ties
    union all
    select * from duplicate_accounts
    union all
    select * from organization_conflicts
    union all
    select * from unknown_external_ids
    union all
    select * from unassigned_organizations
    union all
    select * from inferred_customers

),

final as (

    select
        cast(md5(issue_type || ':' || system || ':' || source_id) as varchar) as issue_id,
        cast(issue_type as varchar) as issue_type,
        cast(system as varchar) as system,
        cast(source_id as varchar) as source_id,
        cast(customer_key as varchar) as customer_key,
        cast(conflicting_customer_key as varchar) as conflicting_customer_key,
        cast(detail as varchar) as detail,
        cast('{{ var("as_of_date") }}' as date) as as_of_date
    from issues

)

select * from final
