{#- The value step's forecast per customer and night, for the semantic layer. -#}
with

customer_lifetime_value as (

    select * from {{ source('future_value', 'customer_lifetime_value') }}

),

renamed as (

    select
        customer_key,
        as_of_date,
        clv_method,
        p_alive,
        expected_purchases_12m,
        expected_revenue_12m,
        clv,
        potential_value

    from customer_lifetime_value

),

final as (

    select * from renamed

)

select * from final
