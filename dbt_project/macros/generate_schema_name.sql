{#- Use the configured schema name as it is (`mart`, `staging`, ...), not
    `<target schema>_<custom schema>`: the mart schema name is a contract. A scenario
    (`klantwaarde scenario`, var `scenario_schema_prefix`) builds its models beside the
    actuals, in `<prefix><schema>`; the models it does not select are read from the
    actuals (dbt's --defer). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set schema = target.schema if custom_schema_name is none else custom_schema_name | trim -%}
    {{ var('scenario_schema_prefix', '') }}{{ schema }}
{%- endmacro %}
