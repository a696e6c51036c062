{#- What the landing zone held that no drop loads, as the last load saw it. -#}
with

landing_issues as (

    select * from {{ source('meta', 'landing_issues') }}

),

renamed as (

    select
        folder || coalesce('/' || file_name, '')            as landing_path,
        system,
        folder,
        file_name,
        issue,
        outcome,
        seen_as_of,
        seen_at

    from landing_issues

),

final as (

    select * from renamed

)

select * from final
