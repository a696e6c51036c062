{#- Opportunities: deltas, the latest version of each opportunity. -#}
with

opportunities as (

    select * from {{ latest_versions(
        source('crm', 'opportunities'),
        ref('base_crm__opportunities_superseded'),
        ['opportunityid']
    ) }}

),

final as (

    select
        opportunityid as opportunity_id,
        parentaccountid as account_id,
        name as opportunity_name,
        estimatedvalue as estimated_value,
        closeprobability as close_probability,
        estimatedclosedate as estimated_close_date,
        statecode as opportunity_state,
        modifiedon as modified_at,
        _extract_date as extract_date,
        _flags as load_flags

    from opportunities

)

select * from final
