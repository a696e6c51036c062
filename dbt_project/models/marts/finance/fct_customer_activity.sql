{#- Customer effort per customer and month: visits and calls (completed CRM activities)
    and service-desk tickets (by month created), with satisfaction ratings. The source
    ids' activity (int_source_activity_monthly) mapped to the conformed customer through
    the bridge and added up (the rows of macro mapped_rows_filter). -#}
-- depends_on: {{ ref('int_customer_keys_restated') }}
with

source_activity as (

    select * from {{ ref('int_source_activity_monthly') }}

),

customer_keys as (

    select * from {{ ref('int_customer_source_keys') }}

),

keyed as (

    {{ keyed_by_customer('source_activity', 'customer_keys') }}

),

mapped as (

    select
        customer_key,
        period_month,
        sum(visit_count)                            as visit_count,
        sum(visit_minutes)                          as visit_minutes,
        sum(call_count)                             as call_count,
        sum(call_minutes)                           as call_minutes,
        sum(ticket_count)                           as ticket_count,
        sum(ticket_minutes)                         as ticket_minutes,
        sum(tickets_rated)                          as tickets_rated,
        sum(tickets_good)                           as tickets_good
    from keyed
    where {{ mapped_rows_filter('period_month', 'customer_key') }}
    group by 1, 2

),

final as (

    select
        cast(customer_key as varchar)   as customer_key,
        cast(period_month as date)      as period_month,
        cast(visit_count as bigint)     as visit_count,
        cast(visit_minutes as bigint)   as visit_minutes,
        cast(call_count as bigint)      as call_count,
        cast(call_minutes as bigint)    as call_minutes,
        cast(ticket_count as bigint)    as ticket_count,
        cast(ticket_minutes as bigint)  as ticket_minutes,
        cast(tickets_rated as bigint)   as tickets_rated,
        cast(tickets_good as bigint)    as tickets_good
    from mapped

)

select * from final
