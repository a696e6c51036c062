{#- Account master: the latest version of each account among the full snapshots up to the
    as-of date, renamed and cast. -#}
with

latest_version as (

    select * from {{ latest_master_version(source('crm', 'accounts'), ['accountid']) }}

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
