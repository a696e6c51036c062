{#- Every CRM account with its conformed customer_key.
    Accounts linked to an ERP customer take that customer's key. The others are
    prospects: CRM-only accounts that share a VAT number, a domain, or a name and
    postcode are one company (connected components over those links), anchored on the
    earliest account of the company, whose accountid gives the key. -#}
with

accounts as (

    select * from {{ ref('int_crm_accounts_normalized') }}

),

matched as (

    select * from {{ ref('int_crm_accounts_matched') }}

),

domains as (

    select * from {{ ref('int_customer_domains_collected') }}
    where system = 'crm'

),

crm_only_accounts as (

    select accounts.*
    from accounts
    inner join matched on accounts.account_id = matched.account_id
    where matched.customer_no is null

),

crm_only_domains as (

    select domains.source_id as account_id, domains.domain
    from domains
    inner join crm_only_accounts on domains.source_id = crm_only_accounts.account_id

),

duplicate_edges as (

    select left_accounts.account_id as from_account_id, right_accounts.account_id as to_account_id
    from crm_only_accounts as left_accounts
    inner join crm_only_accounts as right_accounts
        on left_accounts.vat_normalized = right_accounts.vat_normalized
        and left_accounts.account_id <> right_accounts.account_id

    union

    select left_accounts.account_id as from_account_id, right_accounts.account_id as to_account_id
    from crm_only_accounts as left_accounts
    inner join crm_only_accounts as right_accounts
        on left_accounts.name_normalized = right_accounts.name_normalized
        and left_accounts.postcode_normalized = right_accounts.postcode_normalized
        and left_accounts.account_id <> right_accounts.account_id

    union

    select left_domains.account_id as from_account_id, right_domains.account_id as to_account_id
    from crm_only_domains as left_domains
    inner join crm_only_domains as right_domains
        on left_domains.domain = right_domains.domain
        and left_domains.account_id <> right_domains.account_id

),

reachable as (

    with recursive walk (account_id, reached_account_id) as (
        select account_id, account_id as reached_account_id from crm_only_accounts
        union
        select walk.account_id, duplicate_edges.to_account_id
        from walk
        inner join duplicate_edges on walk.reached_account_id = duplicate_edges.from_account_id
    )

    select * from walk

),

prospect_anchors as (

    select
        reachable.account_id,
        arg_min(
            crm_only_accounts.account_id,
            struct_pack(created_at := coalesce(crm_only_accounts.created_at, timestamp '9999-12-31'), account_id := crm_only_accounts.account_id)
        ) as anchor_account_id,
        count(*) as accounts_in_company
    from reachable
    inner join crm_only_accounts on reachable.reached_account_id = crm_only_accounts.account_id
    group by reachable.account_id

),

final as (

    select
        matched.account_id,
        case
            when matched.customer_no is not null then {{ customer_key('erp', 'matched.customer_no') }}
            else {{ customer_key('crm', 'prospect_anchors.anchor_account_id') }}
        end as customer_key,
        matched.customer_no,
        prospect_anchors.anchor_account_id as prospect_anchor_account_id,
        coalesce(matched.match_method, 'crm_only') as match_method,
        coalesce(matched.match_confidence, 1.0000) as match_confidence,
        coalesce(matched.link_kind, case
            when prospect_anchors.account_id = prospect_anchors.anchor_account_id then 'prospect_anchor'
            else 'prospect_duplicate'
        end) as link_kind
    from matched
    left join prospect_anchors on matched.account_id = prospect_anchors.account_id

)

select * from final
