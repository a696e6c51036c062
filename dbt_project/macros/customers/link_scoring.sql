{#- How a candidate link (a CRM account or a service-desk organisation → a customer) is
    scored, the same way for both systems. `evidence` is a list of (flag column, match
    method) pairs, strongest first; the weight and confidence of each method come from
    seed `customer_match_methods`, the settings from seed `customer_match_settings`.

      score       Σ evidence_weight of the methods whose flag is true
      confidence  1 - Π (1 - match_confidence) over those methods
      method      the strongest method whose flag is true
      rank        rank by score among the candidates of one source id, and how many
                  candidates tie at that score (a tie links nothing) -#}

{#- The select list of a one-row CTE over customer_match_methods:
    <method>_weight and <method>_confidence for every method. -#}
{% macro link_weights(methods) -%}
    {%- for method in methods %}
        max(evidence_weight) filter (where match_method = '{{ method }}') as {{ method }}_weight,
        max(match_confidence) filter (where match_method = '{{ method }}') as {{ method }}_confidence
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The select list of a one-row CTE over customer_match_settings: each setting as a column. -#}
{% macro link_settings(settings) -%}
    {%- for setting in settings %}
        max(value) filter (where setting = '{{ setting }}') as {{ setting }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{% macro link_score(evidence) -%}
    {%- for flag, method in evidence -%}
        case when {{ flag }} then {{ method }}_weight else 0 end
        {%- if not loop.last %} + {% endif %}
    {%- endfor -%}
{%- endmacro %}

{% macro link_confidence(evidence) -%}
    1 - {% for flag, method in evidence -%}
        (1 - case when {{ flag }} then {{ method }}_confidence else 0 end)
        {%- if not loop.last %} * {% endif %}
    {%- endfor -%}
{%- endmacro %}

{% macro link_method(evidence) -%}
    case
    {%- for flag, method in evidence %}
        when {{ flag }} then '{{ method }}'
    {%- endfor %}
    end
{%- endmacro %}

{% macro link_rank(source_id) -%}
    rank() over (partition by {{ source_id }} order by evidence_score desc) as score_rank,
    count(*) over (partition by {{ source_id }}, evidence_score) as ties_at_score
{%- endmacro %}
