{#- The versions of ERP payments that a later version of their key supersedes (macro
    superseded_versions); stg_erp__payments leaves them out. -#}
{{ superseded_versions(
    source('erp', 'payments'),
    ['payment_id']
) }}
