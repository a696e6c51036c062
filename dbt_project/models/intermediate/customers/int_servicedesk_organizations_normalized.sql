{#- Service-desk organizations with the normalised values that matching compares. -#}
with

organizations as (

    select * from {{ ref('stg_servicedesk__organizations') }}

),

name_noise_tokens as (

    {{ name_noise_tokens() }}

),

legal_form_class_map as (

    {{ legal_form_class_map() }}

),

final as (

    select
        organizations.organization_id,
        organizations.organization_name,
        {{ normalize_identifier('organizations.external_id') }} as external_id_normalized,
        {{ normalize_company_name('organizations.organization_name', 'name_noise_tokens.noise_tokens') }} as name_normalized,
        {{ company_legal_forms('organizations.organization_name', 'legal_form_class_map.legal_form_classes') }} as legal_forms
    from organizations
    cross join name_noise_tokens
    cross join legal_form_class_map

)

select * from final
