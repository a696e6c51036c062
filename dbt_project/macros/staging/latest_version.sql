{#- Deltas: keep the latest version of each key, among drops up to var as_of_date. The latest drop (`_extract_date`) wins;
    inside one drop the highest physical line (`_line_no`) wins.
    Use in a staging model's import CTE:  select * from {{ latest_version(source('erp', 'payments'), ['payment_id']) }}

    Incremental staging tables (materialized incremental, delete+insert on their unique_key, with the
    columns `extract_date` and `loaded_at`: the raw `_extract_date` and `_loaded_at`) also pass
    `unique_key`: the model's unique_key as expressions over the raw columns (e.g. `trim(payment_id)`).
    In an incremental run only the keys with a raw version up to as_of_date that is new since the
    table was built are recomputed: `_loaded_at` after the table's latest `loaded_at` (loaded since),
    or `_extract_date` after its latest `extract_date` (loaded before, but beyond the as-of date of
    the last build). For those keys the latest version is taken over all their versions, and
    delete+insert replaces them; every other row stays as it is. This is exactly a full rebuild
    because the loader only appends to the raw tables (a key never disappears; a quarantined new
    version leaves its previous version the latest) and as_of_date does not move backwards in an
    incremental run: an as_of_date before the table's latest extract_date stops the build
    (build with --full-refresh). Keys are matched on the unique_key expressions, so raw keys that
    stage to the same key are recomputed together, as in a full rebuild. -#}
{% macro latest_version(relation, key_columns, unique_key=none) -%}
{%- set as_of_date = "cast('" ~ var('as_of_date') ~ "' as date)" -%}
{%- if execute and unique_key is not none -%}
    {%- set model_key = config.get('unique_key') -%}
    {%- set model_key = [model_key] if model_key is string else (model_key or []) -%}
    {%- if model_key | length != unique_key | length -%}
        {{ exceptions.raise_compiler_error(
            "latest_version: unique_key " ~ unique_key ~ " does not match the model's unique_key " ~ model_key) }}
    {%- endif -%}
{%- endif -%}
{%- set incremental = unique_key is not none and is_incremental() -%}
(
    {%- if incremental %}
    with built as (
        select
            max(loaded_at)      as loaded_at,
            max(extract_date)   as extract_date
        from {{ this }}
        having coalesce(max(extract_date) <= {{ as_of_date }}, true)
            or error('{{ this.identifier }} holds row versions extracted up to ' || max(extract_date)
                     || ', after as_of_date {{ var("as_of_date") }}: build with --full-refresh')
    ),
    changed_keys as (
        select distinct
            {% for expression in unique_key %}{{ expression }} as _key_{{ loop.index }}{% if not loop.last %},
            {% endif %}{% endfor %}
        from {{ relation }}
        cross join built
        where _extract_date <= {{ as_of_date }}
          and {% for column in key_columns %}{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
          and (coalesce(_loaded_at > built.loaded_at, true) or _extract_date > built.extract_date)
    ),
    {%- else %}
    with
    {%- endif %}
    {#- read three times below: on a full build every raw version, scanned again rather
        than copied into a CTE result; on an incremental run the few versions of the
        changed keys, kept #}
    versions as {% if not incremental %}not materialized {% endif %}(
        select versions.* from {{ relation }} as versions
        {%- if incremental %}
        {#- a join with the (distinct) changed keys, not a correlated EXISTS: DuckDB plans
            that as a delim join over every raw version #}
        inner join changed_keys
            on {% for expression in unique_key %}changed_keys._key_{{ loop.index }} = {{ expression }}{% if not loop.last %}
            and {% endif %}{% endfor %}
        {%- endif %}
        where _extract_date <= {{ as_of_date }}
          and {% for column in key_columns %}{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
    ),
    {#- most keys have one version: they skip the window (a sort of every raw row) #}
    repeated_keys as (
        select {{ key_columns | join(', ') }}
        from versions
        group by {{ key_columns | join(', ') }}
        having count(*) > 1
    )
    select versions.* from versions
    anti join repeated_keys using ({{ key_columns | join(', ') }})
    union all
    select versions.* from versions
    semi join repeated_keys using ({{ key_columns | join(', ') }})
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by _extract_date desc, _line_no desc
    ) = 1
)
{%- endmacro %}

{#- Masters: rows of the latest full snapshot up to var as_of_date. -#}
{% macro latest_snapshot(relation) -%}
(
    select * from {{ relation }}
    where _extract_date = (
        select max(_extract_date) from {{ relation }}
        where _extract_date <= cast('{{ var("as_of_date") }}' as date)
    )
)
{%- endmacro %}

{#- Masters, robust to a quarantined row: the latest version of each key among the full
    snapshots up to var as_of_date, flagged `is_in_latest_snapshot`. Usually that is the
    latest snapshot; a row the loader quarantined in the latest drop keeps its previous
    version instead of vanishing with its name and attributes, and so does a row the
    source no longer exports. The highest line wins inside one drop.

    Every drop carries a full snapshot, so the raw table grows by one master every night.
    A master staging model is therefore incremental (delete+insert on its key) and reads
    two parts, each a macro:
      master_versions(relation, key_expressions)   the raw rows to consider, in the
          model's import CTE: on a full build every version up to as_of_date; on an
          incremental one only the versions the table has not seen (loaded after its
          latest `loaded_at`, or extracted after its latest `extract_date`), and the run
          stops when the table holds a drop after as_of_date (build with --full-refresh);
      latest_master_rows(relation, key_columns)    the latest version per key of the
          renamed rows (with `extract_date`, `loaded_at` and the raw `_line_no`, which it
          drops): on a full build the keys of the latest snapshot come from it alone and
          only the missing keys are looked up in the earlier ones (no window over every
          version); on an incremental one the table's own rows stand for every earlier
          version (the latest of all versions is the latest of the table's row and the
          new versions: drops are loaded once, so they never tie) and every key is
          written again with its flag; no new version, no rows.
    A night does not grow with the snapshots kept. -#}
{% macro master_versions(relation, key_expressions) -%}
{%- set as_of_date = "cast('" ~ var('as_of_date') ~ "' as date)" -%}
(
    {%- if is_incremental() %}
    with built as (
        select max(loaded_at) as loaded_at, max(extract_date) as extract_date
        from {{ this }}
        having coalesce(max(extract_date) <= {{ as_of_date }}, true)
            or error('{{ this.identifier }} holds a snapshot extracted on ' || max(extract_date)
                     || ', after as_of_date {{ var("as_of_date") }}: build with --full-refresh')
    )
    {%- endif %}
    select versions.* from {{ relation }} as versions
    {%- if is_incremental() %}
    cross join built
    {%- endif %}
    where versions._extract_date <= {{ as_of_date }}
      {% for expression in key_expressions %}and nullif(trim(cast({{ expression }} as varchar)), '') is not null
      {% endfor %}
      {%- if is_incremental() %}
      and (coalesce(versions._loaded_at > built.loaded_at, true)
           or versions._extract_date > built.extract_date)
      {%- endif %}
)
{%- endmacro %}

{% macro latest_master_rows(relation, key_columns) -%}
{%- set keys = key_columns | join(', ') -%}
(
    {%- if is_incremental() %}
    with candidates as (
        select * from {{ relation }}
        union all by name
        select * exclude (is_in_latest_snapshot) from {{ this }}
        where exists (select 1 from {{ relation }})
    ),
    latest as (
        select max(extract_date) as extract_date from candidates
    )
    select candidates.* exclude (_line_no),
        candidates.extract_date = latest.extract_date as is_in_latest_snapshot
    from candidates
    cross join latest
    qualify row_number() over (
        partition by {{ keys }}
        order by candidates.extract_date desc, candidates._line_no desc
    ) = 1
    {%- else %}
    with in_latest_snapshot as (
        select * from {{ relation }}
        where extract_date = (select max(extract_date) from {{ relation }})
    ),
    only_in_earlier_snapshots as (
        select * from {{ relation }}
        anti join in_latest_snapshot using ({{ keys }})
    )
    select * exclude (_line_no), true as is_in_latest_snapshot
    from in_latest_snapshot
    qualify row_number() over (partition by {{ keys }} order by _line_no desc) = 1
    union all
    select * exclude (_line_no), false as is_in_latest_snapshot
    from only_in_earlier_snapshots
    qualify row_number() over (
        partition by {{ keys }}
        order by extract_date desc, _line_no desc
    ) = 1
    {%- endif %}
)
{%- endmacro %}
