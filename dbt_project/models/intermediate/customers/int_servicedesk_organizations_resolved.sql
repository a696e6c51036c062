{#- Every service-desk organization with its conformed customer_key: the best-scoring
    acceptable candidate when it is the only one with that score, else the unassigned
    member (organizations that match nobody, or match two customers equally well). -#}
with

organizations as (

    select * from {{ ref('int_servicedesk_organizations_normalized') }}

),

links as (

    select * from {{ ref('int_servicedesk_organization_links_scored') }}

),

best_links as (

    select * from links
    where is_acceptable and score_rank = 1 and ties_at_score = 1

),

final as (

    select
        organizations.organization_id,
        coalesce(best_links.customer_key, {{ unassigned_customer_key() }}) as customer_key,
        coalesce(best_links.match_method, 'unassigned') as match_method,
        coalesce(best_links.match_confidence, 0.0000) as match_confidence,
        best_links.customer_key is null as is_unassigned
    from organizations
    left join best_links on organizations.organization_id = best_links.organization_id

)

select * from final
