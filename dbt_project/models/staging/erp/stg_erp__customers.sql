{#- The customer master as of the latest drop: masters are full snapshots, so the
    latest snapshot is the truth. Renamed and cast, no joins. -#}
with

latest_snapshot as (

    select * from {{ latest_snapshot(source('erp', 'customers')) }}

),

renamed as (

    select
        trim(customer_no)                       as customer_no,
        name                                    as customer_name,
        nullif(trim(vat_number), '')            as vat_number,
        address_line,
        nullif(trim(postcode), '')              as postcode,
        city,
        upper(nullif(trim(country_code), ''))   as country_code,
        cast(payment_terms_days as integer)     as payment_terms_days,
        cast(credit_limit as decimal(18, 2))    as credit_limit,
        coalesce(is_blocked, false)             as is_blocked,
        cast(created_date as date)              as created_date,
        cast(modified_at as timestamp)          as modified_at,
        _extract_date                           as extract_date,
        _source_file                            as source_file,
        _line_no                                as source_line_no,
        _flags                                  as load_flags

    from latest_snapshot
    where customer_no is not null
    -- the loader already keeps the last line of a duplicated key; stay safe anyway
    qualify row_number() over (partition by trim(customer_no) order by _line_no desc) = 1

),

final as (

    select * from renamed

)

select * from final
