{#- Activities: deltas, the latest version of each activity (latest drop, then last line). -#}
with

source as (

    select * from {{ source('crm', 'activities') }}
    where _extract_date <= cast('{{ var("as_of_date") }}' as date)

),

latest_version as (

    select * from source
    qualify row_number() over (
        partition by activityid order by _extract_date desc, _line_no desc
    ) = 1

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
        _flags as load_flags

    from latest_version

)

select * from final
