{#-
    Keys of the conformed customer (mart.dim_customer.customer_key).

    A key is the md5 of its anchor's natural key, prefixed by the anchor's system, so
    that it is stable across runs and across full refreshes:
      - an ERP customer (from the master, or inferred from transactions): md5('erp:' || customer_no)
      - a CRM-only prospect: md5('crm:' || accountid of the earliest account of its duplicates)
      - the unassigned member: a fixed literal, see unassigned_customer_key().
-#}

{#- The SQL literal of the unassigned member's key. Use it wherever a row has no customer:
    coalesce(bridge.customer_key, {{ unassigned_customer_key() }}). -#}
{% macro unassigned_customer_key() -%}
    '00000000000000000000000000000000'
{%- endmacro %}

{#- customer_key for an anchor: system is a plain string ('erp' or 'crm'),
    natural_key a SQL expression. -#}
{% macro customer_key(system, natural_key) -%}
    md5('{{ system }}:' || cast({{ natural_key }} as varchar))
{%- endmacro %}

{#- The key of the conformed customer anchored on an ERP customer_no. Prefer joining
    mart.bridge_customer_source (system = 'erp'); this macro gives the same value. -#}
{% macro erp_customer_key(customer_no) -%}
    {{ customer_key('erp', customer_no) }}
{%- endmacro %}
