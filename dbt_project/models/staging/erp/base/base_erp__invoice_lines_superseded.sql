{#- The versions of ERP invoice lines that a later version of their key supersedes (macro
    superseded_versions); stg_erp__invoice_lines leaves them out. -#}
{{ superseded_versions(
    source('erp', 'invoice_lines'),
    key_columns=['invoice_no', 'line_no'],
    key_expressions=['trim(invoice_no)', 'cast(line_no as integer)']
) }}
