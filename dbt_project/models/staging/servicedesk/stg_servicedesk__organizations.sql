{#- Organizations master: the latest version of each organization among the full snapshots
    up to the as-of date, renamed and cast. -#}
with

source as (

    select * from {{ source('servicedesk', 'organizations') }}
    where _extract_date <= cast('{{ var("as_of_date") }}' as date)

),

latest_version as (

    -- The latest version of every organization_id of the snapshots up to the as-of date. Usually
    -- that is the latest snapshot; a row the loader quarantined in the latest drop keeps
    -- its previous version instead of vanishing (is_in_latest_snapshot = false), and so
    -- does a row the source deleted.
    select
        *,
        _extract_date = max(_extract_date) over () as is_in_latest_snapshot
    from source
    qualify row_number() over (
        partition by organization_id order by _extract_date desc, _line_no desc
    ) = 1

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
