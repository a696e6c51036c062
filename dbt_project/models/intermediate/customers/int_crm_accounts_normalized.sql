{#- CRM accounts with the normalised values that matching compares. -#}
with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

country_names as (

    select * from {{ ref('country_name_codes') }}

),

name_noise_tokens as (

    {{ name_noise_tokens() }}

),

legal_form_class_map as (

    {{ legal_form_class_map() }}

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.created_at,
        {{ normalize_identifier('accounts.account_number') }} as account_number_normalized,
        {{ normalize_company_name('accounts.account_name', 'name_noise_tokens.noise_tokens') }} as name_normalized,
        {{ company_legal_forms('accounts.account_name', 'legal_form_class_map.legal_form_classes') }} as legal_forms,
        {{ normalize_vat('accounts.vat_number') }} as vat_normalized,
        {{ normalize_postcode('accounts.postcode') }} as postcode_normalized,
        {{ normalize_city('accounts.city') }} as city_normalized,
        coalesce(country_names.country_code, upper(accounts.country)) as country_code,
        {{ normalize_domain('accounts.website_url') }} as website_domain
    from accounts
    cross join name_noise_tokens
    cross join legal_form_class_map
    left join country_names
        on strip_accents(lower(trim(accounts.country))) = country_names.country_name

)

select * from final
