{#- Tests of the incremental tables at the source's grain check the months this build
    rebuilt: the months before were tested when they were built and no build touched
    them since. A generic test opts in with
        config:
          where: "period_month >= __rebuild_from_month__"
    (the placeholder becomes the first rebuilt month, or the first day of the calendar
    on a full build or --full-refresh). The tests of the conformed-customer marts check
    the rows this build wrote: those months and every month of the customers it
    restated (int_customer_keys_restated), with
        config:
          where: "__rebuilt_customer_rows__"
    or, in a singular test, macro tested_customer_rows('period_month', 'customer_key').
    A build of every month, --full-refresh and the build of a new version of the project
    (var test_every_row) test every row. -#}
{% macro tests_this_builds_rows() -%}
    {{ return(rebuild_from() is not none and not flags.FULL_REFRESH
              and not var('test_every_row', false)) }}
{%- endmacro %}

{% macro tested_months_start() -%}
    {%- if tests_this_builds_rows() -%}
        {{ rebuild_from_date() }}
    {%- else -%}
        date '0001-01-01'
    {%- endif -%}
{%- endmacro %}

{% macro tested_customer_rows(month_column='period_month', key_column='customer_key') -%}
    {%- if tests_this_builds_rows() -%}
        ({{ month_column }} >= {{ rebuild_from_date() }}
         or {{ key_column }} in (select customer_key from intermediate.int_customer_keys_restated))
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The tests of the staged deltas check the rows that are new to staging in this build:
    a view over the raw table less its superseded versions (macro latest_versions)
    shows every other row as the previous build did, or leaves it out when a new version
    supersedes it, so a duplicate key can only come in with tonight's rows, and every
    other row was tested when it was staged (row tests: not_null, accepted_values,
    relationships to a master or seed, whose keys never disappear). A generic test opts
    in with
        config:
          where: "__staged_by_this_build__"
    (rows loaded after the previous build's raw_loaded_until or extracted after its
    as-of date, vars staged_after_loaded_at / staged_after_extract_date; every row on a
    build of every month or --full-refresh). Without it a night's key test reads every
    version, which grows with every night. -#}
{% macro tested_staged_rows() -%}
    {%- if tests_this_builds_rows() and staged_after() is not none -%}
        {{ new_to_staging('loaded_at', 'extract_date') }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- dbt's own get_where_subquery, with the placeholders above filled in at run time. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where | replace('__rebuild_from_month__', tested_months_start()) -%}
        {%- set where = where | replace('__rebuilt_customer_rows__', tested_customer_rows()) -%}
        {%- set where = where | replace('__staged_by_this_build__', tested_staged_rows()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
