{#- ERP master customers with the normalised values that matching compares. -#}
with

erp_customers as (

    select * from {{ ref('int_erp_customers_unioned') }}
    where not is_inferred

),

name_noise_tokens as (

    {{ name_noise_tokens() }}

),

final as (

    select
        erp_customers.customer_no,
        erp_customers.customer_name,
        {{ normalize_identifier('erp_customers.customer_no') }} as customer_no_normalized,
        {{ normalize_company_name('erp_customers.customer_name', 'name_noise_tokens.noise_tokens') }} as name_normalized,
        {{ normalize_vat('erp_customers.vat_number') }} as vat_normalized,
        {{ normalize_postcode('erp_customers.postcode') }} as postcode_normalized,
        erp_customers.country_code
    from erp_customers
    cross join name_noise_tokens

)

select * from final
