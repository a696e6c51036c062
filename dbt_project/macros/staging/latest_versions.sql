{#- Deltas: the latest version of each key, among drops up to var as_of_date. The latest
    drop (`_extract_date`) wins; inside one drop the highest physical line (`_line_no`)
    wins. The raw table holds every version and is the staged rows' storage: a delta's
    staging model is a view over it that leaves out the superseded versions, and a base
    model keeps those (two macros):

      superseded_versions(relation, key_columns)
          the base model: the raw rows (`source_file`, `source_line_no`) that a later
          version of their key replaces. Most keys have one version, so the table is
          small. Incremental (delete+insert on source_file, source_line_no): a night
          recomputes the keys with a row version the previous build had not staged
          (loaded after its raw_loaded_until or extracted after its as-of date, vars
          staged_after_loaded_at / staged_after_extract_date), over all their versions
          (a key: the raw key columns, as the versions are ranked; the staging model's
          key test finds raw keys that stage to the same key). Exact because the loader
          only appends to raw tables (a quarantined new version leaves the previous one
          the latest) and as_of only moves forward on an incremental build: a
          superseded version stays superseded.
          klantwaarde.build passes --full-refresh when as_of moves back; an incremental
          run with an as-of date before the previous build's stops.
      latest_versions(relation, superseded, key_columns)
          the staging model's import CTE: the raw rows up to as_of_date with a key, less
          the superseded ones. Readers that filter on the raw columns (`_loaded_at`,
          `_extract_date`, a business date) read only those rows of the raw table.

    Use in a staging model:  select * from {{ latest_versions(source('erp', 'payments'),
    ref('base_erp__payments_superseded'), ['payment_id']) }} -#}
{#- The previous build's (raw_loaded_until, as-of date), vars staged_after_loaded_at and
    staged_after_extract_date, or none (a first build, --full-refresh). -#}
{% macro staged_after() -%}
    {%- set loaded_after = var('staged_after_loaded_at', none) -%}
    {%- set extracted_after = var('staged_after_extract_date', none) -%}
    {%- if loaded_after in (none, '', 'None', 'null')
          or extracted_after in (none, '', 'None', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return([loaded_after, extracted_after]) }}
{%- endmacro %}

{#- The condition on a row version that is new to staging in this build: loaded after
    the previous build's raw_loaded_until or extracted after its as-of date (needs
    staged_after()). -#}
{% macro new_to_staging(loaded_at_column, extract_date_column) -%}
    {%- set loaded_after, extracted_after = staged_after() -%}
    ({{ loaded_at_column }} > cast('{{ loaded_after }}' as timestamp)
     or {{ extract_date_column }} > cast('{{ extracted_after }}' as date))
{%- endmacro %}

{% macro superseded_versions(relation, key_columns) -%}
{%- set as_of_date = "cast('" ~ var('as_of_date') ~ "' as date)" -%}
{%- set since_last_build = is_incremental() and staged_after() is not none -%}
{%- if since_last_build and staged_after()[1] > var('as_of_date') -%}
    {{ exceptions.raise_compiler_error(
        "as_of_date " ~ var('as_of_date') ~ " is before the previous build's "
        ~ staged_after()[1] ~ ": build with --full-refresh") }}
{%- endif -%}
{%- set keys = key_columns | join(', ') -%}
{%- set has_key -%}
    {% for column in key_columns %}{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
{%- endset -%}
with
{%- if since_last_build %}
changed_keys as (
    select distinct {{ keys }}
    from {{ relation }}
    where _extract_date <= {{ as_of_date }}
      and {{ has_key }}
      and {{ new_to_staging('_loaded_at', '_extract_date') }}
),
{%- endif %}
{#- read twice below: on a full build every raw version, scanned again rather than
    copied into a CTE result; on a night the few versions of the changed keys, kept #}
versions as {% if not since_last_build %}not materialized {% endif %}(
    select versions.* from {{ relation }} as versions
    {%- if since_last_build %}
    {#- a semi join with the (distinct) changed keys, not a correlated EXISTS: DuckDB
        plans that as a delim join over every raw version #}
    semi join changed_keys using ({{ keys }})
    {%- endif %}
    where _extract_date <= {{ as_of_date }}
      and {{ has_key }}
),
{#- most keys have one version: they skip the window (a sort of every raw row) #}
repeated_keys as (
    select {{ keys }}
    from versions
    group by {{ keys }}
    having count(*) > 1
),
superseded as (
    select versions.* from versions
    semi join repeated_keys using ({{ keys }})
    qualify row_number() over (
        partition by {{ keys }}
        order by _extract_date desc, _line_no desc
    ) > 1
),
final as (
    select
        _source_file    as source_file,
        _line_no        as source_line_no,
        _extract_date   as extract_date,
        _loaded_at      as loaded_at
    from superseded
)
select * from final
{%- endmacro %}

{% macro latest_versions(relation, superseded, key_columns) -%}
(
    select versions.* from {{ relation }} as versions
    anti join {{ superseded }} as superseded
        on superseded.source_file = versions._source_file
        and superseded.source_line_no = versions._line_no
    where versions._extract_date <= cast('{{ var("as_of_date") }}' as date)
      {% for column in key_columns %}and versions.{{ column }} is not null
      {% endfor %}
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
