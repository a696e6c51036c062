with

latest_snapshot as (

    select * from {{ latest_snapshot(source('erp', 'products')) }}

),

renamed as (

    select
        trim(product_code)                  as product_code,
        description                         as product_description,
        product_group,
        cast(unit_cost as decimal(18, 4))   as unit_cost,
        coalesce(is_service, false)         as is_service,
        _extract_date                       as extract_date

    from latest_snapshot
    where product_code is not null
    qualify row_number() over (partition by trim(product_code) order by _line_no desc) = 1

),

final as (

    select * from renamed

)

select * from final
