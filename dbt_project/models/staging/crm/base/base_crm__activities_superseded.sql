{#- The versions of CRM activities that a later version of their key supersedes (macro
    superseded_versions); stg_crm__activities leaves them out. -#}
{{ superseded_versions(
    source('crm', 'activities'),
    ['activityid']
) }}
