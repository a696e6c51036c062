{#- Opportunities: deltas, the latest version of each opportunity. -#}
with

latest_version as (

    select * from {{ latest_version(source('crm', 'opportunities'), ['opportunityid']) }}

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

    from latest_version

)

select * from final
