{#- The few business definitions that more than one model needs. Each is defined here
    once and documented in models/marts/finance/_finance__docs.md. -#}

{#- contribution = gross margin - cost to serve - credit cost (doc: contribution) -#}
{% macro contribution(gross_margin, cost_to_serve, credit_cost) -%}
    cast({{ gross_margin }} - {{ cost_to_serve }} - {{ credit_cost }} as decimal(18, 2))
{%- endmacro %}

{#- an active customer had revenue in the 12-month window (doc: is_active) -#}
{% macro is_active_customer(revenue_12m) -%}
    coalesce({{ revenue_12m }}, 0) > 0
{%- endmacro %}

{#- the as-of date of the run, a DATE -#}
{% macro as_of_date() -%}
    cast('{{ var("as_of_date") }}' as date)
{%- endmacro %}

{#- the invoice a bad-debt write-off closes: the ERP names it in the GL posting text
    ('Write-off invoice F00250123'); NULL when the text names none -#}
{% macro written_off_invoice_no(entry_description) -%}
    regexp_extract({{ entry_description }}, '(?i)invoice\s+(\S+)', 1)
{%- endmacro %}
