{#- Activities: deltas, the latest version of each activity (latest drop, then last line). -#}
with

latest_version as (

    select * from {{ latest_version(source('crm', 'activities'), ['activityid'], unique_key=['activityid']) }}

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

    from latest_version

)

select * from final
