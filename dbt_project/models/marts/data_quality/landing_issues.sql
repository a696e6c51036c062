{#- What the landing zone holds that no drop loads, as the last load saw it. -#}
with

landing_issues as (

    select * from {{ ref('stg_meta__landing_issues') }}

),

final as (

    select
        cast(landing_path as varchar)                       as landing_path,
        cast(system as varchar)                             as system,
        cast(folder as varchar)                             as folder,
        cast(file_name as varchar)                          as file_name,
        cast(issue as varchar)                              as issue,
        cast(outcome as varchar)                            as outcome,
        cast(seen_as_of as date)                            as seen_as_of
    from landing_issues

)

select * from final
