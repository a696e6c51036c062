{#- Candidate links CRM account -> ERP customer, one row per pair, with the evidence for
    it and its score. Evidence, in order of trust:
      account_number  accountnumber = an existing ERP customer_no
      vat_number      normalised VAT equal
      name_postcode   postcode equal and the normalised names equal or nearly so (a
                      dropped letter: similarity >= min_name_similarity_postcode)
      name_city       normalised name and city equal, when neither the postcodes, the
                      VAT numbers nor the legal forms differ: corroboration only (its weight
                      is below min_link_score), because a prospect of the same name in the
                      same city is common (names repeat: two firms of one name in one
                      city differ by postcode)
    plus corroboration: a similar name, an equal postcode. A VAT number on both sides that
    differs is contrary evidence. An accountnumber that nothing supports (no VAT, no
    postcode, a dissimilar name) or that a different VAT contradicts counts for nothing:
    a stale or mistyped number must not beat stronger evidence. -#}
with

accounts as (

    select * from {{ ref('int_crm_accounts_normalized') }}

),

erp_customers as (

    select * from {{ ref('int_erp_customers_normalized') }}

),

match_methods as (

    select * from {{ ref('customer_match_methods') }}

),

settings as (

    select * from {{ ref('customer_match_settings') }}

),

thresholds as (

    select {{ link_settings([
        'min_name_similarity_account_number', 'min_name_similarity_corroboration',
        'similar_name_weight', 'same_postcode_weight', 'min_link_score',
        'min_name_similarity_postcode'
    ]) }}
    from settings

),

weights as (

    select {{ link_weights(['account_number', 'vat_number', 'name_postcode', 'name_city']) }}
    from match_methods

),

number_candidates as (

    select accounts.account_id, erp_customers.customer_no, 'account_number' as evidence
    from accounts
    inner join erp_customers
        on accounts.account_number_normalized = erp_customers.customer_no_normalized

),

vat_candidates as (

    select accounts.account_id, erp_customers.customer_no, 'vat_number' as evidence
    from accounts
    inner join erp_customers
        on accounts.vat_normalized = erp_customers.vat_normalized

),

postcode_candidates as (

    select accounts.account_id, erp_customers.customer_no, 'postcode' as evidence
    from accounts
    inner join erp_customers
        on accounts.postcode_normalized = erp_customers.postcode_normalized

),

name_city_candidates as (

    select accounts.account_id, erp_customers.customer_no, 'name_city' as evidence
    from accounts
    inner join erp_customers
        on accounts.name_normalized = erp_customers.name_normalized
        and accounts.city_normalized = erp_customers.city_normalized

),

candidate_evidence as (

    select * from number_candidates
    union all
    select * from name_city_candidates
    union all
    select * from vat_candidates
    union all
    select * from postcode_candidates

),

candidate_pairs as (

    select
        account_id,
        customer_no,
        bool_or(evidence = 'account_number') as has_account_number,
        bool_or(evidence = 'vat_number') as has_vat_number,
        bool_or(evidence = 'postcode') as has_postcode,
        bool_or(evidence = 'name_city') as has_name_city
    from candidate_evidence
    group by 1, 2

),

pairs_compared as (

    select
        candidate_pairs.*,
        accounts.name_normalized = erp_customers.name_normalized as is_same_name,
        coalesce(jaro_winkler_similarity(accounts.name_normalized, erp_customers.name_normalized), 0) as name_similarity,
        coalesce(accounts.postcode_normalized = erp_customers.postcode_normalized, false) as is_same_postcode,
        coalesce(accounts.vat_normalized <> erp_customers.vat_normalized, false) as is_vat_conflict,
        coalesce(accounts.postcode_normalized <> erp_customers.postcode_normalized, false) as is_postcode_conflict,
        {{ legal_forms_conflict('accounts.legal_forms', 'erp_customers.legal_forms') }} as is_legal_form_conflict
    from candidate_pairs
    inner join accounts on candidate_pairs.account_id = accounts.account_id
    inner join erp_customers on candidate_pairs.customer_no = erp_customers.customer_no

),

number_evidence_judged as (

    select
        pairs_compared.*,
        has_postcode and (
            coalesce(is_same_name, false) or name_similarity >= thresholds.min_name_similarity_postcode
        ) as has_name_postcode,
        has_account_number
            and not is_vat_conflict
            and (
                has_vat_number
                or is_same_postcode
                or name_similarity >= thresholds.min_name_similarity_account_number
            ) as is_account_number_supported
    from pairs_compared
    cross join thresholds

),

name_city_judged as (

    select
        number_evidence_judged.*,
        has_name_city and not has_name_postcode and not is_postcode_conflict and not is_vat_conflict
            and not is_legal_form_conflict as is_name_city_supported
    from number_evidence_judged

),

{%- set evidence = [
    ('is_account_number_supported', 'account_number'),
    ('has_vat_number', 'vat_number'),
    ('has_name_postcode', 'name_postcode'),
    ('is_name_city_supported', 'name_city')
] %}

scored as (

    select
        name_city_judged.*,
        {{ link_score(evidence) }}
        -- a similar name or an equal postcode corroborates what name plus postcode did not
        + case
            when not has_name_postcode and not has_name_city
                and name_similarity >= thresholds.min_name_similarity_corroboration
                then thresholds.similar_name_weight
            else 0
        end
        + case
            when not has_name_postcode and is_same_postcode then thresholds.same_postcode_weight
            else 0
        end
        - case when is_vat_conflict then weights.vat_number_weight else 0 end as evidence_score,
        {{ link_confidence(evidence) }} as combined_confidence,
        {{ link_method(evidence) }} as strongest_method,
        thresholds.min_link_score
    from name_city_judged
    cross join weights
    cross join thresholds

),

final as (

    select
        account_id,
        customer_no,
        has_account_number,
        is_account_number_supported,
        has_vat_number,
        has_name_postcode,
        is_name_city_supported,
        name_similarity,
        is_same_postcode,
        is_vat_conflict,
        is_postcode_conflict,
        is_legal_form_conflict,
        evidence_score,
        cast(round(combined_confidence, 4) as decimal(5, 4)) as match_confidence,
        strongest_method as match_method,
        evidence_score >= min_link_score and strongest_method is not null as is_acceptable,
        {{ link_rank('account_id') }}
    from scored

)

select * from final
