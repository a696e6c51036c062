{#- Service-desk organizations with the normalised values that matching compares. -#}
with

organizations as (

    select * from {{ ref('stg_servicedesk__organizations') }}

),

name_noise_tokens as (

    {{ name_noise_tokens() }}

),

final as (

    select
        organizations.organization_id,
        organizations.organization_name,
        {{ normalize_identifier('organizations.external_id') }} as external_id_normalized,
        {{ normalize_company_name('organizations.organization_name', 'name_noise_tokens.noise_tokens') }} as name_normalized
    from organizations
    cross join name_noise_tokens

)

select * from final
