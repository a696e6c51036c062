{#- Use the configured schema name as it is (`mart`, `staging`, ...), not
    `<target schema>_<custom schema>`: the mart schema name is a contract. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
