{#- The versions of service-desk tickets that a later version of their key supersedes (macro
    superseded_versions); stg_servicedesk__tickets leaves them out. -#}
{{ superseded_versions(
    source('servicedesk', 'tickets'),
    ['ticket_id']
) }}
