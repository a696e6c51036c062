{#- Candidate links service-desk organization -> conformed customer, one row per pair,
    with their evidence and score (macros link_*, as the CRM links are scored):
    external_id and domain (int_servicedesk_organization_strong_candidates), name
    (int_servicedesk_organization_name_candidates). -#}
with

strong_candidates as (

    select * from {{ ref('int_servicedesk_organization_strong_candidates') }}

),

name_candidates as (

    select * from {{ ref('int_servicedesk_organization_name_candidates') }}

),

match_methods as (

    select * from {{ ref('customer_match_methods') }}

),

settings as (

    select * from {{ ref('customer_match_settings') }}

),

candidate_evidence as (

    select * from strong_candidates
    union all
    select * from name_candidates

),

candidate_pairs as (

    select
        candidate_evidence.organization_id,
        candidate_evidence.customer_key,
        bool_or(candidate_evidence.evidence = 'external_id') as has_external_id,
        bool_or(candidate_evidence.evidence = 'domain') as has_domain,
        bool_or(candidate_evidence.evidence = 'name') as has_name,
        string_agg(
            distinct candidate_evidence.evidence || '=' || candidate_evidence.evidence_detail, '; '
            order by candidate_evidence.evidence || '=' || candidate_evidence.evidence_detail
        ) as evidence_details
    from candidate_evidence
    group by 1, 2

),

weights as (

    select {{ link_weights(['external_id', 'domain', 'name']) }}
    from match_methods

),

thresholds as (

    select {{ link_settings(['min_link_score_servicedesk']) }}
    from settings

),

{%- set evidence = [
    ('has_external_id', 'external_id'),
    ('has_domain', 'domain'),
    ('has_name', 'name')
] %}

scored as (

    select
        candidate_pairs.*,
        {{ link_score(evidence) }} as evidence_score,
        {{ link_confidence(evidence) }} as combined_confidence,
        {{ link_method(evidence) }} as match_method,
        thresholds.min_link_score_servicedesk as min_link_score
    from candidate_pairs
    cross join weights
    cross join thresholds

),

final as (

    select
        organization_id,
        customer_key,
        has_external_id,
        has_domain,
        has_name,
        evidence_details,
        evidence_score,
        cast(round(combined_confidence, 4) as decimal(5, 4)) as match_confidence,
        match_method,
        evidence_score >= min_link_score as is_acceptable,
        {{ link_rank('organization_id') }}
    from scored

)

select * from final
