{#- Account master: the latest full snapshot up to the as-of date, renamed and cast. -#}
with

source as (

    select * from {{ source('crm', 'accounts') }}
    where _extract_date <= cast('{{ var("as_of_date") }}' as date)

),

latest_snapshot as (

    select * from source
    where _extract_date = (select max(_extract_date) from source)
    qualify row_number() over (partition by accountid order by _line_no desc) = 1

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
        _extract_date as extract_date,
        _flags as load_flags

    from latest_snapshot

)

select * from final
