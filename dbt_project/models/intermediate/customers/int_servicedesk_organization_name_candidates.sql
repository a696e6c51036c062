{#- Candidate links service-desk organization -> conformed customer by name: the
    normalised name, or the name a domain of the organization spells
    ('van-dijk-logistiek2.nl' -> 'vandijklogistiek'), is the name of exactly one customer
    that nothing contradicts (see name_pairs_judged); an organization whose names equal
    no customer's name may match a name one typed letter away ('Wilems Techniek') under
    the same rules. The lengths, the prefix and the days are settings of seed
    customer_match_settings. -#}
with

organizations as (

    select * from {{ ref('int_servicedesk_organizations_normalized') }}

),

erp_names as (

    select * from {{ ref('int_erp_customers_normalized') }}

),

accounts as (

    select * from {{ ref('int_crm_accounts_normalized') }}

),

resolved_accounts as (

    select * from {{ ref('int_crm_accounts_resolved') }}

),

domains as (

    select * from {{ ref('int_customer_domains_collected') }}

),

domain_country_codes as (

    select * from {{ ref('domain_country_codes') }}

),

organization_versions as (

    select organization_id, cast(created_at as date) as created_date
    from {{ ref('stg_servicedesk__organizations') }}

),

erp_customer_versions as (

    select {{ customer_key('erp', 'customer_no') }} as customer_key, created_date
    from {{ ref('stg_erp__customers') }}

),

settings as (

    select {{ link_settings([
        'typo_min_organization_name_length', 'typo_min_customer_name_length',
        'typo_same_prefix_length', 'name_customer_created_after_days'
    ]) }}
    from {{ ref('customer_match_settings') }}

),

customer_names as (

    select name_normalized, {{ customer_key('erp', 'customer_no') }} as customer_key, legal_forms
    from erp_names
    where name_normalized is not null

    union

    select accounts.name_normalized, resolved_accounts.customer_key, accounts.legal_forms
    from accounts
    inner join resolved_accounts on accounts.account_id = resolved_accounts.account_id
    where accounts.name_normalized is not null

),

customer_countries as (

    select {{ customer_key('erp', 'customer_no') }} as customer_key, country_code
    from erp_names
    where country_code is not null

    union

    select resolved_accounts.customer_key, accounts.country_code
    from accounts
    inner join resolved_accounts on accounts.account_id = resolved_accounts.account_id
    where accounts.country_code is not null

),

customer_domains as (

    select distinct resolved_accounts.customer_key, domains.domain
    from domains
    inner join resolved_accounts on domains.source_id = resolved_accounts.account_id
    where domains.system = 'crm'

),

organization_domains as (

    select source_id as organization_id, domain
    from domains
    where system = 'servicedesk'

),

organization_countries as (

    select distinct organization_domains.organization_id, domain_country_codes.country_code
    from organization_domains
    inner join domain_country_codes
        on split_part(organization_domains.domain, '.', -1) = domain_country_codes.top_level_domain

),

strong_candidates as (

    select distinct organization_id, customer_key
    from {{ ref('int_servicedesk_organization_strong_candidates') }}

),


name_noise_tokens as (

    {{ name_noise_tokens() }}

),

organization_domain_names as (

    -- The name a company domain spells: the label before the public suffix, without the
    -- number a registrar adds when the name was taken ('brabant-groothandel1.nl').
    select distinct
        organization_domains.organization_id,
        {{ normalize_company_name(
            "regexp_replace(split_part(regexp_replace(organization_domains.domain, '\\.(co\\.uk|[a-z]+)$', ''), '.', -1), '[0-9]+$', '')",
            'name_noise_tokens.noise_tokens'
        ) }} as name_key
    from organization_domains
    cross join name_noise_tokens

),

organization_name_keys as (

    select organization_id, name_normalized as name_key, legal_forms
    from organizations
    where name_normalized is not null

    union

    select organization_domain_names.organization_id, organization_domain_names.name_key, organizations.legal_forms
    from organization_domain_names
    inner join organizations on organization_domain_names.organization_id = organizations.organization_id
    where organization_domain_names.name_key is not null

),

exact_name_pairs as (

    select
        organization_name_keys.organization_id,
        customer_names.customer_key,
        customer_names.name_normalized,
        organization_name_keys.legal_forms as organization_legal_forms,
        customer_names.legal_forms as customer_legal_forms
    from organization_name_keys
    inner join customer_names on organization_name_keys.name_key = customer_names.name_normalized

),

typo_organization_keys as materialized (

    -- only for organizations none of whose names is a customer's name; materialized:
    -- read twice, and row_number() over () must number the rows once
    select row_number() over () as typo_row_id, organization_name_keys.*
    from organization_name_keys
    cross join settings
    where length(organization_name_keys.name_key) >= settings.typo_min_organization_name_length
        and organization_name_keys.organization_id not in (select organization_id from exact_name_pairs)

),

typo_customer_names as materialized (

    -- materialized: read twice, and row_number() over () must number the rows once
    select row_number() over () as typo_row_id, customer_names.*
    from customer_names
    cross join settings
    where length(customer_names.name_normalized) >= settings.typo_min_customer_name_length

),

typo_organization_variants as (

    {{ one_letter_deletions('typo_organization_keys', 'typo_row_id', 'name_key') }}

),

typo_customer_variants as (

    {{ one_letter_deletions('typo_customer_names', 'typo_row_id', 'name_normalized') }}

),

typo_candidate_rows as (

    -- two names one edit apart share a one-letter deletion: at the same position (a
    -- letter mistyped), or the longer one's deletion is the shorter name (a letter
    -- dropped or added). An equi-join instead of comparing every pair of names.
    select distinct
        typo_organization_variants.row_id as organization_row_id,
        typo_customer_variants.row_id as customer_row_id
    from typo_organization_variants
    inner join typo_customer_variants
        on typo_organization_variants.variant = typo_customer_variants.variant
    where typo_organization_variants.deleted_at = typo_customer_variants.deleted_at
        or typo_organization_variants.deleted_at = 0
        or typo_customer_variants.deleted_at = 0

),

typo_name_pairs as (

    -- one letter dropped, added or mistyped in a name of at least 10 letters
    select
        typo_organization_keys.organization_id,
        typo_customer_names.customer_key,
        typo_customer_names.name_normalized,
        typo_organization_keys.legal_forms as organization_legal_forms,
        typo_customer_names.legal_forms as customer_legal_forms
    from typo_candidate_rows
    inner join typo_organization_keys
        on typo_candidate_rows.organization_row_id = typo_organization_keys.typo_row_id
    inner join typo_customer_names
        on typo_candidate_rows.customer_row_id = typo_customer_names.typo_row_id
    cross join settings
    where abs(length(typo_organization_keys.name_key) - length(typo_customer_names.name_normalized)) <= 1
        and left(typo_organization_keys.name_key, cast(settings.typo_same_prefix_length as integer))
            = left(typo_customer_names.name_normalized, cast(settings.typo_same_prefix_length as integer))
        and levenshtein(typo_organization_keys.name_key, typo_customer_names.name_normalized) = 1

),

name_pairs as (

    select
        organization_id,
        customer_key,
        min(name_normalized) as name_normalized,
        bool_and({{ legal_forms_conflict('organization_legal_forms', 'customer_legal_forms') }}) as is_legal_form_conflict
    from (
        select * from exact_name_pairs
        union all
        select * from typo_name_pairs
    ) as candidate_name_pairs
    group by organization_id, customer_key

),

customer_domain_lists as (

    select customer_key, list(distinct domain) as domains
    from customer_domains
    group by customer_key

),

organization_domain_lists as (

    select organization_id, list(distinct domain) as domains
    from organization_domains
    group by organization_id

),

customer_country_lists as (

    select customer_key, list(distinct country_code) as country_codes
    from customer_countries
    group by customer_key

),

organization_country_lists as (

    select organization_id, list(distinct country_code) as country_codes
    from organization_countries
    group by organization_id

),

strong_holders as (

    select customer_key, list(distinct organization_id) as organization_ids
    from strong_candidates
    group by customer_key

),

name_pairs_judged as (

    -- Names repeat (two firms called 'Noord Logistiek'), so a name is evidence only when
    -- nothing contradicts it: web domains known on both sides that differ, a
    -- country-code domain of the organization in another country than the customer's,
    -- or legal forms that differ ('Jansen B.V.' is not 'Jansen V.O.F.').
    -- Among several candidates, one that another organization already holds by
    -- external_id or domain is ruled out, and so is an ERP customer created more than
    -- name_customer_created_after_days after the organization (agents open an organization for a company that is
    -- already a customer; with a single candidate this says nothing: a prospect's
    -- organization may predate its first order).
    select
        name_pairs.*,
        coalesce(
            not list_has_any(customer_domain_lists.domains, organization_domain_lists.domains),
            false
        ) as is_domain_conflict,
        coalesce(
            not list_has_any(customer_country_lists.country_codes, organization_country_lists.country_codes),
            false
        ) as is_country_conflict,
        coalesce(
            organization_versions.created_date
                < erp_customer_versions.created_date
                  - cast(settings.name_customer_created_after_days as integer),
            false
        ) as is_created_before_customer,
        coalesce(
            len(strong_holders.organization_ids)
                > case when list_contains(strong_holders.organization_ids, name_pairs.organization_id) then 1 else 0 end,
            false
        ) as is_held_by_other_organization
    from name_pairs
    left join customer_domain_lists on name_pairs.customer_key = customer_domain_lists.customer_key
    left join organization_domain_lists on name_pairs.organization_id = organization_domain_lists.organization_id
    left join customer_country_lists on name_pairs.customer_key = customer_country_lists.customer_key
    left join organization_country_lists on name_pairs.organization_id = organization_country_lists.organization_id
    left join strong_holders on name_pairs.customer_key = strong_holders.customer_key
    left join organization_versions on name_pairs.organization_id = organization_versions.organization_id
    left join erp_customer_versions on name_pairs.customer_key = erp_customer_versions.customer_key
    cross join settings

),

name_pairs_uncontradicted as (

    select
        *,
        count(*) over (partition by organization_id) as candidates
    from name_pairs_judged
    where not is_domain_conflict and not is_country_conflict and not is_legal_form_conflict

),

name_candidates as (

    select
        organization_id,
        min(customer_key) as customer_key,
        'name' as evidence,
        min(name_normalized) as evidence_detail
    from name_pairs_uncontradicted
    where candidates = 1 or (not is_held_by_other_organization and not is_created_before_customer)
    group by organization_id
    having count(distinct customer_key) = 1

),

final as (

    select * from name_candidates

)

select * from final
