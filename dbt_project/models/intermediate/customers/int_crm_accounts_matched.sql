{#- Each CRM account's ERP customer, or none.
    1. direct: the best-scoring acceptable candidate of int_crm_account_links_scored, when
       it is the only one with that score (a tie between customers links nothing and is
       reported as an issue). A link by name and city alone is dropped when the account's
       web domain differs from the domains of the customer's other, better linked accounts
       (domains are one company's: same name and city, another domain, another company);
    2. duplicate: an account without a direct link that shares its VAT number, a domain,
       or its name and postcode with accounts that all link to one ERP customer gets that
       customer (duplicate CRM accounts of one company become one customer). -#}
with

accounts as (

    select * from {{ ref('int_crm_accounts_normalized') }}

),

links as (

    select * from {{ ref('int_crm_account_links_scored') }}

),

domains as (

    select * from {{ ref('int_customer_domains_collected') }}
    where system = 'crm'

),

match_methods as (

    select * from {{ ref('customer_match_methods') }}

),

best_links as (

    select * from links
    where is_acceptable and score_rank = 1

),

unique_best_links as (

    select account_id, customer_no, match_method, match_confidence
    from best_links
    where ties_at_score = 1

),

customer_domains as (

    select distinct unique_best_links.customer_no, domains.domain
    from unique_best_links
    inner join domains on unique_best_links.account_id = domains.source_id
    where unique_best_links.match_method <> 'name_city'

),

customer_domain_lists as (

    select customer_no, list(distinct domain) as domains
    from customer_domains
    group by customer_no

),

account_domain_lists as (

    select source_id as account_id, list(distinct domain) as domains
    from domains
    group by source_id

),

name_city_links_contradicted as (

    select unique_best_links.account_id
    from unique_best_links
    inner join account_domain_lists on unique_best_links.account_id = account_domain_lists.account_id
    inner join customer_domain_lists on unique_best_links.customer_no = customer_domain_lists.customer_no
    where unique_best_links.match_method = 'name_city'
        and not list_has_any(account_domain_lists.domains, customer_domain_lists.domains)

),

direct_links as (

    select unique_best_links.*
    from unique_best_links
    where account_id not in (select account_id from name_city_links_contradicted)

),

unlinked_accounts as (

    select accounts.*
    from accounts
    left join direct_links on accounts.account_id = direct_links.account_id
    where direct_links.account_id is null

),

linked_accounts as (

    select accounts.*, direct_links.customer_no, direct_links.match_confidence as link_confidence
    from accounts
    inner join direct_links on accounts.account_id = direct_links.account_id

),

duplicate_evidence as (

    select unlinked_accounts.account_id, linked_accounts.customer_no, 'vat_number' as evidence,
        linked_accounts.link_confidence
    from unlinked_accounts
    inner join linked_accounts on unlinked_accounts.vat_normalized = linked_accounts.vat_normalized

    union all

    select unlinked_accounts.account_id, linked_accounts.customer_no, 'name_postcode' as evidence,
        linked_accounts.link_confidence
    from unlinked_accounts
    inner join linked_accounts
        on unlinked_accounts.name_normalized = linked_accounts.name_normalized
        and unlinked_accounts.postcode_normalized = linked_accounts.postcode_normalized

    union all

    select unlinked_accounts.account_id, linked_accounts.customer_no, 'domain' as evidence,
        linked_accounts.link_confidence
    from unlinked_accounts
    inner join domains as unlinked_domains on unlinked_accounts.account_id = unlinked_domains.source_id
    inner join domains as linked_domains on unlinked_domains.domain = linked_domains.domain
    inner join linked_accounts on linked_domains.source_id = linked_accounts.account_id

),

duplicate_evidence_ranked as (

    select
        duplicate_evidence.account_id,
        duplicate_evidence.customer_no,
        duplicate_evidence.evidence,
        match_methods.trust_rank,
        match_methods.match_confidence * duplicate_evidence.link_confidence as chained_confidence
    from duplicate_evidence
    inner join match_methods on duplicate_evidence.evidence = match_methods.match_method

),

duplicate_links as (

    select
        account_id,
        min(customer_no) as customer_no,
        arg_min(evidence, trust_rank) as match_method,
        max(chained_confidence) as match_confidence
    from duplicate_evidence_ranked
    group by account_id
    having count(distinct customer_no) = 1

),

final as (

    select
        accounts.account_id,
        coalesce(direct_links.customer_no, duplicate_links.customer_no) as customer_no,
        coalesce(direct_links.match_method, duplicate_links.match_method) as match_method,
        cast(round(coalesce(direct_links.match_confidence, duplicate_links.match_confidence), 4) as decimal(5, 4)) as match_confidence,
        case
            when direct_links.account_id is not null then 'direct'
            when duplicate_links.account_id is not null then 'duplicate'
        end as link_kind
    from accounts
    left join direct_links on accounts.account_id = direct_links.account_id
    left join duplicate_links on accounts.account_id = duplicate_links.account_id

)

select * from final
