{#- The versions of ERP general-ledger entries that a later version of their key supersedes (macro
    superseded_versions); stg_erp__gl_entries leaves them out. -#}
{{ superseded_versions(
    source('erp', 'gl_entries'),
    ['entry_no']
) }}
