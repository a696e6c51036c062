{#- Organizations master: the latest version of each organization among the full snapshots
    up to the as-of date, renamed and cast. -#}
with

latest_version as (

    select * from {{ latest_master_version(source('servicedesk', 'organizations'), ['organization_id']) }}

),

final as (

    select
        organization_id,
        name as organization_name,
        nullif(trim(domain_names), '') as domain_names,
        nullif(trim(external_id), '') as external_id,
        created_at,
        updated_at,
        is_in_latest_snapshot,
        _extract_date as extract_date,
        _flags as load_flags

    from latest_version

)

select * from final
