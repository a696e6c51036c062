{#- Organizations master: the latest version of each organization among the full snapshots
    up to the as-of date, renamed and cast. -#}
with

versions as (

    select * from {{ master_versions(source('servicedesk', 'organizations'), ['organization_id']) }}

),

renamed as (

    select
        organization_id,
        name as organization_name,
        nullif(trim(domain_names), '') as domain_names,
        nullif(trim(external_id), '') as external_id,
        created_at,
        updated_at,
        _extract_date as extract_date,
        _flags as load_flags,
        _loaded_at as loaded_at,
        _line_no

    from versions

),

final as (

    select * from {{ latest_master_rows('renamed', ['organization_id']) }}

)

select * from final
