{#-
    Normalisation of the values that customer matching compares. Each macro returns a
    SQL expression that is NULL when nothing comparable is left.
-#}

{#- Company name without accents, punctuation, spacing, legal forms and connecting words
    ('&', 'en', 'und' ...): 'Müller & Söhne GmbH & Co. KG' -> 'mullersohne'.
    noise_tokens is a SQL expression holding a VARCHAR[] of lower-case tokens to drop
    (see name_noise_tokens()), e.g. a column from a cross join. -#}
{% macro normalize_company_name(name, noise_tokens) -%}
    nullif(
        array_to_string(
            list_filter(
                string_split(
                    trim(regexp_replace(
                        regexp_replace(
                            replace(replace(replace(
                                translate(strip_accents(lower(coalesce({{ name }}, ''))), 'ßıøłđ', 'siold'),
                                'æ', 'ae'), 'œ', 'oe'), 'ss', 's'),
                            '[.''’`´]', '', 'g'
                        ),
                        '[^a-z0-9]+', ' ', 'g'
                    )),
                    ' '
                ),
                lambda token: token <> '' and not list_contains({{ noise_tokens }}, token)
            ),
            ''
        ),
        ''
    )
{%- endmacro %}

{#- A one-row select of noise_tokens: the legal forms (seed customer_legal_forms) and
    connecting words (seed customer_name_stopwords) that name normalisation drops.
    Use as a CTE and cross join it. -#}
{% macro name_noise_tokens() -%}
    select list(distinct token) as noise_tokens
    from (
        select lower(legal_form) as token from {{ ref('customer_legal_forms') }}
        union all
        select lower(token) as token from {{ ref('customer_name_stopwords') }}
    ) as tokens
{%- endmacro %}

{#- The legal-form classes a company name carries, a sorted VARCHAR[] (empty when none):
    'Müller GmbH & Co. KG' -> ['gmbh', 'kg']. legal_form_classes is a SQL expression
    holding a MAP(VARCHAR, VARCHAR) token -> class (see legal_form_class_map()). -#}
{% macro company_legal_forms(name, legal_form_classes) -%}
    list_sort(list_distinct(list_filter(
        list_transform(
            string_split(
                trim(regexp_replace(
                    regexp_replace(strip_accents(lower(coalesce({{ name }}, ''))), '[.''’`´]', '', 'g'),
                    '[^a-z0-9]+', ' ', 'g'
                )),
                ' '
            ),
            lambda token: {{ legal_form_classes }}[token]
        ),
        lambda legal_form_class: legal_form_class is not null and legal_form_class <> ''
    )))
{%- endmacro %}

{#- A one-row select of legal_form_classes, the MAP token -> legal-form class of the seed
    customer_legal_forms. Use as a CTE and cross join it. -#}
{% macro legal_form_class_map() -%}
    select map(list(lower(legal_form)), list(coalesce(lower(legal_form_class), ''))) as legal_form_classes
    from {{ ref('customer_legal_forms') }}
{%- endmacro %}

{#- True when both names carry a legal form and they share none (two legal entities). -#}
{% macro legal_forms_conflict(left_forms, right_forms) -%}
    (len({{ left_forms }}) > 0 and len({{ right_forms }}) > 0 and not list_has_any({{ left_forms }}, {{ right_forms }}))
{%- endmacro %}

{#- VAT number: upper case, letters and digits only. -#}
{% macro normalize_vat(vat) -%}
    nullif(regexp_replace(upper(coalesce({{ vat }}, '')), '[^A-Z0-9]', '', 'g'), '')
{%- endmacro %}

{#- Postcode: upper case, letters and digits only ('1234 ab' -> '1234AB'). -#}
{% macro normalize_postcode(postcode) -%}
    nullif(regexp_replace(upper(coalesce({{ postcode }}, '')), '[^A-Z0-9]', '', 'g'), '')
{%- endmacro %}

{#- Domain from a URL, a bare domain or an e-mail address: lower case, without scheme,
    user, 'www.', port, path and trailing dot. -#}
{% macro normalize_domain(value) -%}
    nullif(
        regexp_replace(
            regexp_replace(
                regexp_replace(lower(trim(coalesce({{ value }}, ''))), '^[a-z][a-z0-9+.-]*://', ''),
                '^([^/@]*@)?(www\.)?', ''
            ),
            '[:/?#].*$|\.$', ''
        ),
        ''
    )
{%- endmacro %}

{#- Free-text identifiers typed by people (accountnumber, external_id) and the keys they
    should hold: upper case, letters and digits only ('100234.' -> '100234', a GUID without
    its hyphens). -#}
{% macro normalize_identifier(value) -%}
    nullif(regexp_replace(upper(coalesce({{ value }}, '')), '[^A-Z0-9]', '', 'g'), '')
{%- endmacro %}

{#- City: lower case without accents, letters and digits only ("'s-Hertogenbosch" ->
    'shertogenbosch'). -#}
{% macro normalize_city(city) -%}
    nullif(regexp_replace(strip_accents(lower(coalesce({{ city }}, ''))), '[^a-z0-9]', '', 'g'), '')
{%- endmacro %}

{#- The name itself (deleted_at 0) and every string one letter shorter (deleted_at = the
    1-based position of the letter left out), one row each: (row_id, deleted_at,
    variant). Two strings one edit apart share a variant (see
    int_servicedesk_organization_links_scored, typo_candidate_rows). -#}
{% macro one_letter_deletions(relation, id_column, text_column) -%}
    select {{ id_column }} as row_id, 0 as deleted_at, {{ text_column }} as variant
    from {{ relation }}
    union all
    select
        {{ id_column }} as row_id,
        positions.deleted_at,
        substr({{ text_column }}, 1, positions.deleted_at - 1)
            || substr({{ text_column }}, positions.deleted_at + 1) as variant
    from {{ relation }}
    cross join unnest(range(1, length({{ text_column }}) + 1)) as positions(deleted_at)
{%- endmacro %}
