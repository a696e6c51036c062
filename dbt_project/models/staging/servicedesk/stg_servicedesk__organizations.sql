{#- Organizations master: the latest full snapshot up to the as-of date. -#}
with

source as (

    select * from {{ source('servicedesk', 'organizations') }}
    where _extract_date <= cast('{{ var("as_of_date") }}' as date)

),

latest_snapshot as (

    select * from source
    where _extract_date = (select max(_extract_date) from source)
    qualify row_number() over (partition by organization_id order by _line_no desc) = 1

),

final as (

    select
        organization_id,
        name as organization_name,
        nullif(trim(domain_names), '') as domain_names,
        nullif(trim(external_id), '') as external_id,
        created_at,
        updated_at,
        _extract_date as extract_date,
        _flags as load_flags

    from latest_snapshot

)

select * from final
