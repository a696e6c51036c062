{#- Account master: the latest version of each account among the full snapshots up to the
    as-of date, renamed and cast. -#}
with

source as (

    select * from {{ source('crm', 'accounts') }}
    where _extract_date <= cast('{{ var("as_of_date") }}' as date)

),

latest_version as (

    -- The latest version of every accountid of the snapshots up to the as-of date. Usually
    -- that is the latest snapshot; a row the loader quarantined in the latest drop keeps
    -- its previous version instead of vanishing (is_in_latest_snapshot = false), and so
    -- does a row the source deleted.
    select
        *,
        _extract_date = max(_extract_date) over () as is_in_latest_snapshot
    from source
    qualify row_number() over (
        partition by accountid order by _extract_date desc, _line_no desc
    ) = 1

),

final as (

    select
        accountid as account_id,
        name as account_name,
        nullif(trim(accountnumber), '') as account_number,
        nullif(trim(vatnumber), '') as vat_number,
        nullif(trim(address1_postalcode), '') as postcode,
        nullif(trim(address1_city), '') as city,
        nullif(trim(address1_country), '') as country,
        nullif(trim(websiteurl), '') as website_url,
        nullif(trim(industrycode), '') as industry_code,
        ownerid as owner_id,
        nullif(trim(customertypecode), '') as customer_type_code,
        nullif(trim(strategic_importance), '') as strategic_importance,
        statecode as state_code,
        coalesce(statecode = 0, false) as is_active,
        createdon as created_at,
        modifiedon as modified_at,
        is_in_latest_snapshot,
        _extract_date as extract_date,
        _flags as load_flags

    from latest_version

)

select * from final
