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

{#- Free-text identifiers typed by people (external_id, accountnumber): trimmed, upper case,
    inner spaces removed. -#}
{% macro normalize_identifier(value) -%}
    nullif(regexp_replace(upper(trim(coalesce({{ value }}, ''))), '\s+', '', 'g'), '')
{%- endmacro %}
