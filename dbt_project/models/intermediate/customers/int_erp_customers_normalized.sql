{#- ERP master customers with the normalised values that matching compares. Read from the
    master itself, not from int_erp_customers_unioned (the same rows, less the inferred
    customer numbers): the unioned table waits for the invoice lines, payments and GL
    entries to be staged, and matching waits for this model. -#}
with

erp_customers as (

    select * from {{ ref('stg_erp__customers') }}

),

name_noise_tokens as (

    {{ name_noise_tokens() }}

),

legal_form_class_map as (

    {{ legal_form_class_map() }}

),

final as (

    select
        erp_customers.customer_no,
        erp_customers.customer_name,
        {{ normalize_identifier('erp_customers.customer_no') }} as customer_no_normalized,
        {{ normalize_company_name('erp_customers.customer_name', 'name_noise_tokens.noise_tokens') }} as name_normalized,
        {{ company_legal_forms('erp_customers.customer_name', 'legal_form_class_map.legal_form_classes') }} as legal_forms,
        {{ normalize_vat('erp_customers.vat_number') }} as vat_normalized,
        {{ normalize_postcode('erp_customers.postcode') }} as postcode_normalized,
        {{ normalize_city('erp_customers.city') }} as city_normalized,
        erp_customers.country_code
    from erp_customers
    cross join name_noise_tokens
    cross join legal_form_class_map

)

select * from final
