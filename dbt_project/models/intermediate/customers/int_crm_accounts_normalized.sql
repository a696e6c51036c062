{#- CRM accounts with the normalised values that matching compares. -#}
with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

name_noise_tokens as (

    {{ name_noise_tokens() }}

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.created_at,
        {{ normalize_identifier('accounts.account_number') }} as account_number_normalized,
        {{ normalize_company_name('accounts.account_name', 'name_noise_tokens.noise_tokens') }} as name_normalized,
        {{ normalize_vat('accounts.vat_number') }} as vat_normalized,
        {{ normalize_postcode('accounts.postcode') }} as postcode_normalized,
        {{ normalize_domain('accounts.website_url') }} as website_domain
    from accounts
    cross join name_noise_tokens

)

select * from final
