{#- No personal data in the mart: no value of a text column of a mart model looks like
    an e-mail address (the tables the Python steps write are checked by the GX suite
    hygiene_text). Every mart model is listed here: a test of the project
    (tests/warehouse/test_finance_mart.py) fails when a new one is missing. Rows returned
    name the model and column, never the value. -#}
{%- set mart_models = [
    'bridge_customer_source', 'cost_model', 'customer_match_issues', 'customer_potential_value',
    'dim_customer', 'fct_allocation_trace', 'fct_cost_allocation', 'fct_customer_activity',
    'fct_customer_profitability', 'fct_customer_value_window', 'landing_issues',
    'ledger_months', 'load_data_quality', 'quarantined_gl_entries', 'reconciliation_ledger', 'run_config',
] -%}
{%- set parts = [] -%}
{%- for name in mart_models -%}
    {%- set relation = ref(name) -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation)
              if column.dtype | upper == 'VARCHAR' -%}
            {%- do parts.append(
                "select '" ~ name ~ "' as relation, '" ~ column.name ~ "' as column_name"
                ~ " from " ~ relation ~ " where contains(\"" ~ column.name ~ "\", '@')"
                ~ " and regexp_matches(\"" ~ column.name
                ~ "\", '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\\.[A-Za-z0-9.-]+')"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endfor %}
with

suspects as (

    {{ parts | join('\n    union all\n    ') if parts else "select null as relation, null as column_name where false" }}

),

final as (

    select relation, column_name, count(*) as rows_with_an_address
    from suspects
    group by relation, column_name

)

select * from final
