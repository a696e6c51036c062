{#- The versions of ERP invoice lines that a later version of their key supersedes (macro
    superseded_versions); stg_erp__invoice_lines leaves them out. -#}
{{ superseded_versions(
    source('erp', 'invoice_lines'),
    ['invoice_no', 'line_no']
) }}
