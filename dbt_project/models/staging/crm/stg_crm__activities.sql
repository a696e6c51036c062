{#- Activities: deltas, the latest version of each activity (latest drop, then last line). -#}
with

activities as (

    select * from {{ latest_versions(
        source('crm', 'activities'),
        ref('base_crm__activities_superseded'),
        ['activityid']
    ) }}

),

final as (

    select
        activityid as activity_id,
        activitytypecode as activity_type,
        regardingobjectid as account_id,
        actualstart as started_at,
        cast(actualstart as date) as started_date,
        actualdurationminutes as duration_minutes,
        ownerid as owner_id,
        statecode as activity_state,
        modifiedon as modified_at,
        _extract_date as extract_date,
        _flags as load_flags,
        _loaded_at as loaded_at

    from activities

)

select * from final
