{#- The versions of CRM opportunities that a later version of their key supersedes (macro
    superseded_versions); stg_crm__opportunities leaves them out. -#}
{{ superseded_versions(
    source('crm', 'opportunities'),
    ['opportunityid']
) }}
