{#- Account master: the latest version of each account among the full snapshots up to the
    as-of date, renamed and cast. -#}
with

versions as (

    select * from {{ master_versions(source('crm', 'accounts'), ['accountid']) }}

),

renamed as (

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
        _extract_date as extract_date,
        _flags as load_flags,
        _loaded_at as loaded_at,
        _line_no

    from versions

),

final as (

    select * from {{ latest_master_rows('renamed', ['account_id']) }}

)

select * from final
