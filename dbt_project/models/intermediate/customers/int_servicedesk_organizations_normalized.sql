{#- Service-desk organizations with the normalised values that matching compares. -#}
with

organizations as (

    select * from {{ ref('stg_servicedesk__organizations') }}

),

legal_forms as (

    select list(lower(legal_form)) as legal_form_tokens
    from {{ ref('customer_legal_forms') }}

),

final as (

    select
        organizations.organization_id,
        organizations.organization_name,
        {{ normalize_identifier('organizations.external_id') }} as external_id_normalized,
        {{ normalize_company_name('organizations.organization_name', 'legal_forms.legal_form_tokens') }} as name_normalized
    from organizations
    cross join legal_forms

)

select * from final
